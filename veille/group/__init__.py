"""The group stage: duplicates and syndicated copies, and stories across outlets."""

from veille.group.dedup import DuplicateIndex
from veille.group.stories import GROUPER_VERSION, ArticleFeatures, StoryGrouper, features_of

__all__ = ["GROUPER_VERSION", "ArticleFeatures", "DuplicateIndex", "StoryGrouper", "features_of"]
