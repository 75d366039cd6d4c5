"""The linear classifier predicts from coefficients laid out for the sparse product, with the same results."""

from __future__ import annotations

import numpy as np

from bot.components.linear_text import LinearTextClassifier

TEXTS = ["老板拖欠工资", "公司不发工资", "离婚孩子归谁", "离婚财产怎么分", "邻居占我宅基地", "宅基地被占了"]
LABELS = ["劳动纠纷", "劳动纠纷", "婚姻家庭", "婚姻家庭", "房产纠纷", "房产纠纷"]


def fitted() -> LinearTextClassifier:
    model = LinearTextClassifier(C=8.0, dense_weight=4.0)
    model.fit(TEXTS, [None] * len(TEXTS), LABELS)
    return model


def test_the_coefficients_are_read_in_place_by_the_sparse_product() -> None:
    coef = fitted().classifier.coef_
    assert coef.T.flags.c_contiguous  # scipy's csr_matvecs takes `coef_.T.ravel()`: a view, not a copy


def test_the_layout_changes_no_prediction() -> None:
    model = fitted()
    fast = [model.ranking(text, None) for text in [*TEXTS, "工资被拖欠了怎么办"]]
    model.classifier.coef_ = np.ascontiguousarray(model.classifier.coef_)  # as trained models stored it
    assert [model.ranking(text, None) for text in [*TEXTS, "工资被拖欠了怎么办"]] == fast
