"""Bad input to fastconv.nn: every case of reliability.md section 5 H raises
the right exception type, with a message that names the shapes involved
(PyTorch's wording where it has one; torch raises RuntimeError, fastconv
ValueError / TypeError)."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fastconv import nn


def z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype=dtype)


CASES = [
    # id, call, exception, substrings of the message
    ("kernel larger than input 2-D", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 10, 10)), ValueError,
     ["Calculated padded input size per channel: (4 x 4). Kernel size: (10 x 10). Kernel size "
      "can't be greater than actual input size", "[1, 3, 4, 4]", "[6, 3, 10, 10]"]),
    ("kernel larger than input 1-D", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 10)), ValueError,
     ["padded input size per channel: (4). Kernel size: (10)", "[1, 3, 4]", "[6, 3, 10]"]),
    ("dilated kernel larger than padded input",
     lambda: nn.conv1d(z(2, 5), z(1, 2, 3), padding=1, dilation=4), ValueError,
     ["padded input size per channel: (7). Kernel size: (9)", "[2, 5]", "[1, 2, 3]"]),
    ("empty spatial input", lambda: nn.conv2d(z(1, 3, 0, 4), z(6, 3, 1, 1)), ValueError,
     ["(0 x 4)", "Kernel size: (1 x 1)", "[1, 3, 0, 4]"]),
    ("channel mismatch", lambda: nn.conv2d(z(1, 4, 28, 28), z(6, 3, 5, 5)), ValueError,
     ["Given groups=1, weight of size [6, 3, 5, 5], expected input[1, 4, 28, 28] to have 3 "
      "channels, but got 4 channels instead"]),
    ("in_channels not divisible by groups",
     lambda: nn.conv2d(z(1, 5, 4, 4), z(4, 2, 3, 3), groups=2), ValueError,
     ["expected input[1, 5, 4, 4] to have 4 channels, but got 5", "[4, 2, 3, 3]"]),
    ("out_channels not divisible by groups",
     lambda: nn.conv2d(z(1, 4, 4, 4), z(5, 2, 3, 3), groups=2), ValueError,
     ["Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of "
      "size [5, 2, 3, 3] instead"]),
    ("groups larger than out_channels", lambda: nn.conv2d(z(1, 6, 4, 4), z(2, 2, 3, 3), groups=3),
     ValueError, ["expected weight to be at least 3 at dimension 0", "[2, 2, 3, 3]"]),
    ("no output channels", lambda: nn.conv1d(z(1, 3, 4), z(0, 3, 2)), ValueError,
     ["expected weight to be at least 1 at dimension 0", "[0, 3, 2]"]),
    ("groups zero", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), groups=0), ValueError,
     ["non-positive groups is not supported"]),
    ("groups negative", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), groups=-1), ValueError,
     ["non-positive groups is not supported"]),
    ("stride zero", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=0), ValueError,
     ["non-positive stride is not supported", "(0, 0)"]),
    ("stride negative per axis", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=(1, -2)),
     ValueError, ["non-positive stride is not supported", "(1, -2)"]),
    ("dilation zero", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), dilation=0), ValueError,
     ["dilation should be greater than zero"]),
    ("padding negative", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), padding=-1), ValueError,
     ["negative padding is not supported"]),
    ("same with stride", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=2, padding="same"),
     ValueError, ["padding='same' is not supported for strided convolutions", "(2, 2)"]),
    ("unknown padding string", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), padding="foo"),
     ValueError, ["Invalid padding string 'foo', should be one of {'valid', 'same'}"]),
    ("input rank too high", lambda: nn.conv2d(z(1, 1, 3, 4, 4), z(6, 3, 3, 3)), ValueError,
     ["Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
      "[1, 1, 3, 4, 4]"]),
    ("input rank too low", lambda: nn.conv1d(z(4), z(6, 3, 3)), ValueError,
     ["Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [4]"]),
    # torch's wording (issue 11, defect 7)
    ("weight rank", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3)), ValueError,
     ["Expected 3-dimensional input for 3-dimensional weight [6, 3, 3], but got 4-dimensional "
      "input of size [1, 3, 4, 4] instead"]),
    ("4-D weight for unbatched conv1d", lambda: nn.conv1d(z(3, 4), z(6, 3, 1, 3)), ValueError,
     ["Expected 4-dimensional input for 4-dimensional weight [6, 3, 1, 3], but got 3-dimensional "
      "input of size [1, 3, 4] instead"]),
    ("2-D weight for conv1d", lambda: nn.conv1d(z(1, 3, 4), z(6, 3)), ValueError,
     ["weight should have at least three dimensions", "[6, 3]", "[1, 3, 4]"]),
    ("1-D weight for conv2d", lambda: nn.conv2d(z(1, 3, 4, 4), z(6)), ValueError,
     ["weight should have at least three dimensions", "[6]"]),
    ("2-D weight for conv_transpose1d", lambda: nn.conv_transpose1d(z(1, 3, 4), z(3, 2)),
     ValueError, ["weight should have at least three dimensions", "[3, 2]"]),
    ("zero-size kernel", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 0, 3)), ValueError,
     ["kernel size should be greater than zero", "[6, 3, 0, 3]"]),
    ("bias length", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), z(5)), ValueError,
     ["Given weight of size [6, 3, 3, 3], expected bias to be 1-dimensional with 6 elements, "
      "but got bias of size [5] instead"]),
    ("bias rank", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), z(6, 1)), ValueError,
     ["expected bias to be 1-dimensional with 6 elements, but got bias of size [6, 1]"]),
    ("stride tuple length", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=(1, 2, 3)),
     ValueError, ["expected stride to be a single integer value or a list of 2 values",
                  "stride=[1, 2, 3]"]),
    ("padding tuple length", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), padding=(1, 1)),
     ValueError, ["expected padding to be a single integer value or a list of 1 values"]),
    ("float stride", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=1.5), TypeError,
     ["stride must be an int or a tuple of 2 ints, got 1.5"]),
    ("bool dilation", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), dilation=True), TypeError,
     ["dilation must be an int"]),
    ("float groups", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), groups=1.0), TypeError,
     ["groups must be an int"]),
    ("integer input", lambda: nn.conv1d(np.zeros((1, 3, 4), dtype=np.int64), z(6, 3, 3)),
     TypeError, ["input has dtype int64"]),
    ("complex weight", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3, dtype=np.complex128)), TypeError,
     ["weight has dtype complex128"]),
    ("bool bias", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), np.ones(6, dtype=bool)), TypeError,
     ["bias has dtype bool"]),
    ("longdouble", lambda: nn.conv1d(z(1, 3, 4, dtype=np.longdouble), z(6, 3, 3)), TypeError,
     ["input has dtype float128" if np.dtype(np.longdouble).itemsize == 16 else "input has dtype"]),
    ("list of ints", lambda: nn.conv1d([[[1, 2, 3]]], [[[1, 1]]]), TypeError,
     ["input has dtype int"]),
    ("bad method", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), method="fft"), ValueError,
     ["method must be one of 'auto', 'direct', 'im2col'"]),
    # transposed
    ("transposed channel mismatch", lambda: nn.conv_transpose2d(z(1, 3, 4, 4), z(4, 2, 3, 3)),
     ValueError, ["Given transposed=1, weight of size [4, 2, 3, 3], expected input[1, 3, 4, 4] "
                  "to have 4 channels, but got 3 channels instead"]),
    ("transposed groups", lambda: nn.conv_transpose2d(z(1, 4, 4, 4), z(4, 2, 3, 3), groups=3),
     ValueError, ["expected weight to be divisible by 3 at dimension 0", "[4, 2, 3, 3]"]),
    ("transposed bias", lambda: nn.conv_transpose2d(z(1, 4, 4, 4), z(4, 2, 3, 3), z(3)),
     ValueError, ["Given transposed=1, weight of size [4, 2, 3, 3], expected bias to be "
                  "1-dimensional with 2 elements, but got bias of size [3] instead"]),
    ("output_padding too large",
     lambda: nn.conv_transpose2d(z(1, 4, 4, 4), z(4, 2, 3, 3), stride=2, output_padding=2),
     ValueError, ["output padding must be smaller than either stride or dilation",
                  "output_padding=(2, 2)", "stride=(2, 2)", "[1, 4, 4, 4]"]),
    ("output_padding equal to stride, dilation 1",
     lambda: nn.conv_transpose1d(z(1, 4, 4), z(4, 2, 3), stride=1, output_padding=1),
     ValueError, ["output padding must be smaller than either stride or dilation"]),
    ("negative output_padding",
     lambda: nn.conv_transpose1d(z(1, 4, 4), z(4, 2, 3), stride=2, output_padding=-1),
     ValueError, ["negative output_padding is not supported"]),
    ("transposed output too small",
     lambda: nn.conv_transpose2d(z(1, 4, 1, 1), z(4, 2, 1, 1), padding=1), ValueError,
     ["Given input size per channel: (1 x 1). Calculated output size per channel: (-1 x -1). "
      "Output size is too small", "[1, 4, 1, 1]", "[4, 2, 1, 1]"]),
    ("transposed negative padding",
     lambda: nn.conv_transpose1d(z(1, 4, 4), z(4, 2, 3), padding=-1), ValueError,
     ["negative padding is not supported"]),
    ("transposed empty spatial input", lambda: nn.conv_transpose1d(z(1, 4, 0), z(4, 2, 3)),
     ValueError, ["Only zero batch or zero channel inputs are supported", "[1, 4, 0]"]),
    ("transposed 'same'", lambda: nn.conv_transpose1d(z(1, 4, 4), z(4, 2, 3), padding="same"),
     TypeError, ["padding must be an int or a tuple of 1 ints"]),
    ("transposed input rank", lambda: nn.conv_transpose2d(z(4, 4), z(4, 2, 3, 3)), ValueError,
     ["input to conv_transpose2d, but got input of size: [4, 4]"]),
    # backward
    ("grad_output shape", lambda: nn.conv2d_backward(z(1, 6, 3, 3), z(1, 3, 4, 4), z(6, 3, 3, 3)),
     ValueError, ["grad_output of size [1, 6, 3, 3] does not match the output size "
                  "[1, 6, 2, 2]", "[1, 3, 4, 4]", "[6, 3, 3, 3]"]),
    ("grad_output batched for unbatched input",
     lambda: nn.conv1d_backward(z(1, 6, 2), z(3, 4), z(6, 3, 3)), ValueError,
     ["grad_output of size [1, 6, 2] does not match the output size [6, 2]"]),
    ("backward channel mismatch",
     lambda: nn.conv2d_backward(z(1, 6, 2, 2), z(1, 4, 4, 4), z(6, 3, 3, 3)), ValueError,
     ["expected input[1, 4, 4, 4] to have 3 channels"]),
    ("output_mask length",
     lambda: nn.conv1d_backward(z(1, 6, 2), z(1, 3, 4), z(6, 3, 3), output_mask=(True, False)),
     ValueError, ["output_mask must have 3 entries"]),
    ("grad_output dtype",
     lambda: nn.conv1d_backward(z(1, 6, 2, dtype=np.int32), z(1, 3, 4), z(6, 3, 3)), TypeError,
     ["grad_output has dtype int32"]),
    # sizes that would overflow the index arithmetic
    ("padding 2**62", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), padding=2**62), ValueError,
     ["too large", "[1, 3, 4, 4]", "[6, 3, 3, 3]"]),
    ("huge output", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), padding=2**40), ValueError,
     ["the output of shape [1, 6, 2199023255554, 2199023255554] is too big"]),
    ("dilation 2**62", lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 3), dilation=2**62), ValueError,
     ["dilated kernel size", "too large"]),
    ("stride 2**70, one output", lambda: nn.conv2d(z(1, 3, 4, 4), z(6, 3, 3, 3), stride=2**70),
     ValueError, ["stride_h 1180591620717411303424 is too large", "[1, 3, 4, 4]"]),
    ("dilation 2**70 of a 1-tap kernel",
     lambda: nn.conv1d(z(1, 3, 4), z(6, 3, 1), dilation=2**70), ValueError,
     ["dil_w 1180591620717411303424 is too large", "[1, 3, 4]"]),
    ("transposed stride 2**70 of one input",
     lambda: nn.conv_transpose1d(z(1, 4, 1), z(4, 2, 1), stride=2**70), ValueError,
     ["stride_w", "too large", "[1, 4, 1]"]),
    ("transposed stride 2**62", lambda: nn.conv_transpose2d(z(1, 4, 4, 4), z(4, 2, 3, 3),
                                                            stride=2**62), ValueError,
     ["too large", "[1, 4, 4, 4]"]),
    ("transposed stride and padding cancelling",
     lambda: nn.conv_transpose1d(z(1, 4, 4), z(4, 2, 3), stride=2**61, padding=3 * 2**60),
     ValueError, ["too large", "[1, 4, 4]"]),
]


# errors about arguments other than shapes and layer parameters
NOT_ABOUT_SHAPES = {"bad method", "output_mask length"}


@pytest.mark.parametrize("case,call,exception,parts", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, call, exception, parts):
    with pytest.raises(exception) as info:
        call()
    message = str(info.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    if exception is ValueError and case not in NOT_ABOUT_SHAPES:
        # every shape or parameter error names the input's shape
        assert "input" in message and "[" in message, message


def test_zero_stride_views_of_absurd_size_fail_cleanly():
    """A kernel of 2**40 taps through zero-stride views: a clean MemoryError
    (or ValueError), never a crash, and the interpreter keeps working.  Run in
    a subprocess with a 2 GiB address-space limit, so that the outcome does
    not depend on the machine's overcommit policy."""
    script = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        import numpy as np
        from fastconv import nn
        cases = [
            lambda: nn.conv1d(np.broadcast_to(np.float32(1), (1, 1, 2**40 + 10)),
                              np.broadcast_to(np.float32(1), (1, 1, 2**40))),
            lambda: nn.conv2d(np.broadcast_to(1.0, (1, 1, 2**20, 2**20)),
                              np.broadcast_to(1.0, (1, 1, 2**20 - 3, 2**20 - 3))),
            lambda: nn.conv2d_backward(np.broadcast_to(1.0, (1, 1, 2**31, 2**31)),
                                       np.broadcast_to(1.0, (1, 1, 2**31, 2**31)),
                                       np.ones((1, 1, 1, 1))),
        ]
        for case in cases:
            try:
                case()
            except (MemoryError, ValueError) as e:
                print(type(e).__name__)
            else:
                print("no error")
        print(nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 2))).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=dict(os.environ), timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[:3] == ["MemoryError"] * 3 or all(l in ("MemoryError", "ValueError")
                                                  for l in lines[:3]), out.stdout
    assert out.stdout.strip().endswith("[[[2.0, 2.0, 2.0]]]")
