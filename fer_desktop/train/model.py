"""Model builders: ``build_model(input_shape, num_classes, arch=...)``; preprocessing in-model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import keras
from keras import layers


def _conv_bn(x, filters: int, name: str):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_fernet(input_shape: tuple[int, int, int], num_classes: int,
                 widths: tuple[int, ...] = (32, 64, 128, 256, 512),
                 convs: tuple[int, ...] = (1, 1, 2, 2, 1),
                 dense: int = 512, dropout: float = 0.5) -> keras.Model:
    """Our compact VGG-style CNN: stages of 3x3 conv+BN+ReLU, max-pool, then a small head."""
    inputs = keras.Input(shape=input_shape, name="face")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(inputs)
    for s, (width, n_conv) in enumerate(zip(widths, convs, strict=True)):
        for c in range(n_conv):
            x = _conv_bn(x, width, f"s{s}c{c}")
        x = layers.MaxPooling2D(2, name=f"s{s}_pool")(x)
        x = layers.SpatialDropout2D(0.1, name=f"s{s}_drop")(x) if s >= 1 else x
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, use_bias=False, name="fc")(x)
    x = layers.BatchNormalization(name="fc_bn")(x)
    x = layers.Activation("relu", name="fc_relu")(x)
    x = layers.Dropout(dropout, name="fc_drop")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="fernet")


def build_fernet_wide(input_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """A wider variant of :func:`build_fernet` (more accurate, about 2x the compute)."""
    return build_fernet(input_shape, num_classes, convs=(1, 2, 2, 2, 2))


def build_fernet_half(input_shape: tuple[int, int, int], num_classes: int) -> keras.Model:
    """:func:`build_fernet` at half the width: about a quarter of the compute, so a face and its
    mirror image together cost less than one pass of ``fernet`` (``bench/architectures.py``)."""
    return build_fernet(input_shape, num_classes, widths=(16, 32, 64, 128, 256), dense=256)


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one input through the model's Conv2D and Dense layers."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kh, kw, cin, cout = layer.kernel.shape
            _, h, w, _ = layer.output.shape
            total += h * w * kh * kw * cin * cout
        elif isinstance(layer, layers.Dense):
            total += int(layer.kernel.shape[0] * layer.kernel.shape[1])
    return int(total)


def load_backbone_weights(backbone: keras.Model, path: str | Path, arch: str) -> None:
    """Load local ImageNet weights (``include_top=False``) into a backbone; a missing file is a
    FileNotFoundError and a file that does not fit the backbone a ValueError, each naming the
    file. Nothing is ever downloaded."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Backbone weights file not found: {path.resolve()} (--arch "
                                f"{arch} reads ImageNet weights only from a local file)")
    try:
        backbone.load_weights(str(path))
    except Exception as exc:  # h5py and keras raise many types for a file that does not fit
        raise ValueError(f"{path.resolve()} does not fit the {arch} backbone: ImageNet weights "
                         f"without the top (include_top=False, e.g. {_WEIGHT_FILES[arch]}) are "
                         f"needed ({type(exc).__name__}: {str(exc)[:200]})") from exc


#: The name Keras gives the ImageNet weights without the top, for the error message.
_WEIGHT_FILES = {
    "mobilenetv2": "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5",
    "resnet50": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
}


def _gray_to_rgb(inputs, size: int):
    """The 48x48 gray face upscaled to ``size`` and repeated to 3 channels."""
    x = layers.Resizing(size, size, name="upscale")(inputs)
    return layers.Concatenate(name="to_rgb")([x, x, x]) if inputs.shape[-1] == 1 else x


def build_mobilenetv2(input_shape: tuple[int, int, int], num_classes: int,
                      backbone_weights: str | Path | None = None, alpha: float = 1.0,
                      size: int = 96) -> keras.Model:
    """MobileNetV2 transfer learning: the gray face is upscaled and repeated to 3 channels.

    ImageNet weights cannot be downloaded here; ``backbone_weights`` loads them from a local
    ``.h5`` file (``include_top=False``) when given, else the backbone starts from scratch.
    """
    inputs = keras.Input(shape=input_shape, name="face")
    x = _gray_to_rgb(inputs, size)
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(x)
    backbone = keras.applications.MobileNetV2(
        input_shape=(size, size, 3), include_top=False, weights=None, alpha=alpha)
    if backbone_weights is not None:
        load_backbone_weights(backbone, backbone_weights, "mobilenetv2")
    return _with_head(inputs, backbone(x), num_classes, "mobilenetv2_fer")


def _with_head(inputs, features, num_classes: int, name: str) -> keras.Model:
    """A transfer model: the backbone's features pooled, dropout, softmax over the classes."""
    x = layers.GlobalAveragePooling2D(name="gap")(features)
    x = layers.Dropout(0.3, name="head_drop")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probs", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)


#: The per-channel means (B, G, R) that Keras' ResNet50 ImageNet weights were trained with
#: (``keras.applications.resnet50.preprocess_input``, "caffe" mode: BGR, mean subtracted, no
#: scaling). A gray face repeated to 3 channels is the same in RGB and BGR order.
RESNET50_MEAN = (103.939, 116.779, 123.68)


def build_resnet50(input_shape: tuple[int, int, int], num_classes: int,
                   backbone_weights: str | Path | None = None, size: int = 96) -> keras.Model:
    """ResNet50 transfer learning (He et al. 2016), the face prepared as for
    :func:`build_mobilenetv2` (upscaled, repeated to 3 channels) but normalised the way the
    ImageNet weights expect (:data:`RESNET50_MEAN` subtracted). ``backbone_weights``: a local
    ``.h5`` of ImageNet weights without the top; without it the backbone starts from scratch
    (``weights=None``)."""
    inputs = keras.Input(shape=input_shape, name="face")
    x = _gray_to_rgb(inputs, size)
    x = layers.Normalization(mean=list(RESNET50_MEAN), variance=[1.0, 1.0, 1.0],
                             name="imagenet_mean")(x)
    backbone = keras.applications.ResNet50(
        input_shape=(size, size, 3), include_top=False, weights=None)
    if backbone_weights is not None:
        load_backbone_weights(backbone, backbone_weights, "resnet50")
    return _with_head(inputs, backbone(x), num_classes, "resnet50_fer")


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "fernet": build_fernet,
    "fernet_wide": build_fernet_wide,
    "fernet_half": build_fernet_half,
    "mobilenetv2": build_mobilenetv2,
    "resnet50": build_resnet50,
}

#: The architectures with an ImageNet backbone (``--backbone-weights``).
TRANSFER = ("mobilenetv2", "resnet50")


def build_model(input_shape: tuple[int, int, int], num_classes: int, arch: str = "fernet",
                backbone_weights: str | Path | None = None) -> keras.Model:
    """Build an untrained model of the named architecture (see ``ARCHITECTURES``)."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {arch!r}; choose from {sorted(ARCHITECTURES)}")
    if arch in TRANSFER:
        return ARCHITECTURES[arch](input_shape, num_classes, backbone_weights=backbone_weights)
    if backbone_weights is not None:
        raise ValueError("--backbone-weights only applies to the transfer-learning backbones "
                         f"({', '.join(TRANSFER)})")
    return ARCHITECTURES[arch](input_shape, num_classes)
