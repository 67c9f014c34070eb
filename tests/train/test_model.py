"""Model builders: every architecture the CLI offers builds and gives class probabilities."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fer_desktop.train.model import (
    ARCHITECTURES,
    RESNET50_MEAN,
    TRANSFER,
    build_model,
    multiply_adds,
)


@pytest.mark.parametrize("arch", sorted(a for a in ARCHITECTURES if a not in TRANSFER))
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


def test_resnet50_gives_probabilities_from_a_gray_face():
    model = build_model((48, 48, 1), 7, "resnet50")
    assert model.get_layer("resnet50").input_shape[1:] == (96, 96, 3)
    faces = np.random.default_rng(0).integers(0, 256, (2, 48, 48, 1)).astype(np.float32)
    p = keras.ops.convert_to_numpy(model(faces, training=False))
    assert p.shape == (2, 7) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    # the ImageNet weights' normalisation: their BGR means subtracted, no scaling
    norm = keras.Model(model.input, model.get_layer("imagenet_mean").output)
    out = keras.ops.convert_to_numpy(norm(np.full((1, 48, 48, 1), 200.0, np.float32)))
    assert np.allclose(out[0, 0, 0], 200.0 - np.array(RESNET50_MEAN), atol=1e-3)


def _legacy_h5(model: keras.Model, path) -> None:
    """Weights in the legacy .h5 layout that Keras' ImageNet files use."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as fh:
        legacy_h5_format.save_weights_to_hdf5_group(fh, model)


def test_resnet50_loads_backbone_weights_from_a_local_file(tmp_path):
    backbone = keras.applications.ResNet50(input_shape=(96, 96, 3), include_top=False,
                                           weights=None)
    _legacy_h5(backbone, tmp_path / "resnet50_notop.h5")
    model = build_model((48, 48, 1), 7, "resnet50",
                        backbone_weights=tmp_path / "resnet50_notop.h5")
    for name in ("conv1_conv", "conv5_block3_3_conv"):
        got = model.get_layer("resnet50").get_layer(name).kernel
        want = backbone.get_layer(name).kernel
        assert np.array_equal(keras.ops.convert_to_numpy(got), keras.ops.convert_to_numpy(want))


def test_backbone_weights_missing_or_not_fitting_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="never|only from a local file"):
        build_model((48, 48, 1), 7, "resnet50", backbone_weights=tmp_path / "nope.h5")
    other = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,
                                           weights=None)
    _legacy_h5(other, tmp_path / "mobilenet.h5")
    with pytest.raises(ValueError, match="does not fit the resnet50 backbone"):
        build_model((48, 48, 1), 7, "resnet50", backbone_weights=tmp_path / "mobilenet.h5")
    (tmp_path / "junk.h5").write_bytes(b"not weights")
    with pytest.raises(ValueError, match="junk.h5 does not fit"):
        build_model((48, 48, 1), 7, "resnet50", backbone_weights=tmp_path / "junk.h5")
    with pytest.raises(ValueError, match="resnet50"):
        build_model((48, 48, 1), 7, "fernet", backbone_weights=tmp_path / "junk.h5")
