"""Pure, batched vision: face crops, the emotion classifier, detection and tracking (no Qt)."""

from fer_desktop.vision.classifier import EmotionClassifier, ModelError

__all__ = ["EmotionClassifier", "ModelError"]
