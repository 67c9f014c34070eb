"""Model builders: every architecture the CLI offers builds and gives class probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from fer_desktop.train.model import ARCHITECTURES, build_model, multiply_adds


@pytest.mark.parametrize("arch", sorted(a for a in ARCHITECTURES if a != "mobilenetv2"))
def test_each_fernet_gives_probabilities_for_seven_classes(arch):
    model = build_model((48, 48, 1), 7, arch)
    faces = np.random.default_rng(0).integers(0, 256, (3, 48, 48, 1)).astype(np.float32)
    p = np.asarray(model(faces, training=False))
    assert p.shape == (3, 7)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_multiply_adds_counts_convolutions_and_dense_layers():
    # fernet worked by hand: output height x width x 3 x 3 x channels in x out for each conv,
    # inputs x outputs for each dense layer
    by_hand = (48 * 48 * 9 * 1 * 32            # stage 0
               + 24 * 24 * 9 * 32 * 64         # stage 1
               + 12 * 12 * 9 * (64 + 128) * 128  # stage 2, two convs
               + 6 * 6 * 9 * (128 + 256) * 256   # stage 3, two convs
               + 3 * 3 * 9 * 256 * 512         # stage 4
               + 512 * 512 + 512 * 7)          # fc, probs
    fernet = build_model((48, 48, 1), 7, "fernet")
    assert multiply_adds(fernet) == by_hand == 85_863_936
    assert tuple(fernet.get_layer("s0c0_conv").kernel.shape) == (3, 3, 1, 32)


def test_half_width_costs_about_a_quarter():
    full = multiply_adds(build_model((48, 48, 1), 7, "fernet"))
    half = multiply_adds(build_model((48, 48, 1), 7, "fernet_half"))
    wide = multiply_adds(build_model((48, 48, 1), 7, "fernet_wide"))
    assert 0.2 < half / full < 0.3
    assert wide > 1.4 * full


def test_unknown_architecture_names_the_choices():
    with pytest.raises(ValueError, match="fernet_half"):
        build_model((48, 48, 1), 7, "resnet9000")
