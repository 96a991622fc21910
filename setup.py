"""Build script: the C core (csrc/) as a static library, linked into one
Cython extension per driver module (fastconv/_ext/*.pyx).

No machine-specific flags: the build targets the baseline ISA of the platform;
SIMD kernels carry their own target attributes and are chosen at run time.
"""
import glob
import os
import tempfile
import warnings

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = "csrc"

C_CORE_SOURCES = [
    "csrc/core/runtime.c",
    "csrc/core/dispatch.c",
    "csrc/core/block_cache.c",
    "csrc/signal/signal_kernels.c",
    "csrc/nn/nn_kernels.c",
    "csrc/dtype.c",
    "csrc/signal/corr2d_direct.c",
    "csrc/signal/im2col.c",
    "csrc/signal/pad2d.c",
    "csrc/signal/fold2d.c",
    "csrc/nn/conv2d_direct.c",
    "csrc/nn/im2col.c",
    "csrc/nn/winograd.c",
    "csrc/nn/winograd_kernels.c",
    "csrc/nn/depthwise_kernels.c",
    "csrc/nn/dense_kernels.c",
    "csrc/nn/relu.c",
]

# Headers and templates (#included, so invisible to the default timestamp
# checks): editing any of them must recompile the core and relink the modules.
C_CORE_DEPENDS = sorted(glob.glob("csrc/**/*.h", recursive=True)
                        + glob.glob("csrc/**/*.template.c", recursive=True))



def openmp_flags():
    """The compiler and linker flag that enable OpenMP, or [] (with a build
    warning) when the compiler cannot build an OpenMP program: the C core
    then runs every call on one thread."""
    from setuptools._distutils import ccompiler, sysconfig
    compiler = ccompiler.new_compiler()
    sysconfig.customize_compiler(compiler)
    flag = "/openmp" if compiler.compiler_type == "msvc" else "-fopenmp"
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as f:
            f.write("#include <omp.h>\nint main(void) { return omp_get_max_threads() < 1; }\n")
        try:
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=[flag])
            compiler.link_executable(objects, os.path.join(tmp, "probe"), extra_postargs=[flag])
        except Exception:   # CompileError, LinkError: no OpenMP here
            warnings.warn("fastconv: the C compiler has no OpenMP; building the serial "
                          "kernels (threads= will have no effect)")
            return []
    return [flag]


OPENMP_FLAGS = [] if os.environ.get("FASTCONV_NO_OPENMP") else openmp_flags()

# Optimisation level: .ci/sanitize.sh builds with FASTCONV_OPT_FLAG=-O1, the
# sanitizers' usual level (-O3 with ASan + UBSan takes minutes per SIMD file).
OPT_FLAG = os.environ.get("FASTCONV_OPT_FLAG", "-O3")

C_FLAGS = [OPT_FLAG, "-std=c99", "-Wall", "-Wextra", "-fno-math-errno"] + OPENMP_FLAGS

c_core = (
    "fastconv_core",
    {
        "sources": C_CORE_SOURCES,
        "include_dirs": [CSRC],
        "cflags": C_FLAGS,
        "obj_deps": {"": C_CORE_DEPENDS},
    },
)


class BuildExtWithCore(build_ext):
    """build_ext that builds the C core library first (also for in-place and
    editable builds, which do not run build_clib on their own)."""

    def run(self):
        self.run_command("build_clib")
        clib = self.get_finalized_command("build_clib")
        archives = [os.path.join(clib.build_clib, self.compiler_archive_name(name))
                    for name in clib.get_library_names()]
        for ext in self.extensions:   # relink when the C core archive changed
            ext.depends = list(ext.depends) + archives
        super().run()

    @staticmethod
    def compiler_archive_name(name):
        return f"lib{name}.a" if os.name != "nt" else f"{name}.lib"


def extension(name):
    """One Cython driver module linked against the C core."""
    return Extension(
        f"fastconv._ext.{name}",
        [f"fastconv/_ext/{name}.pyx"],
        include_dirs=[numpy.get_include(), CSRC],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
        extra_compile_args=[OPT_FLAG] + OPENMP_FLAGS,
        extra_link_args=OPENMP_FLAGS,
        # editing any C file relinks the module (the archive is added in run())
        depends=C_CORE_SOURCES + C_CORE_DEPENDS,
    )


setup(
    cmdclass={"build_ext": BuildExtWithCore},
    libraries=[c_core],
    ext_modules=cythonize(
        [extension("_runtime"), extension("_blas_threads"), extension("_block_cache"),
         extension("_signal"),
         extension("_nn"), extension("_nn_winograd")],
        compiler_directives={"language_level": "3"},
    ),
)
