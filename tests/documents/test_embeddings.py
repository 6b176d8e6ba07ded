"""The numpy all-MiniLM-L6-v2 forward pass against the model's published reference similarities."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from agents.embeddings import DIMENSIONS, MODEL_NAME, cosine, embed

# sentence-transformers' documentation (sbert.net, "Computing Embeddings") prints these for
# all-MiniLM-L6-v2: similarities 0.6660, 0.1046 and 0.1411, to four decimals.
REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
REFERENCE_SIMILARITIES = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])


def test_embeddings_match_the_published_reference_similarities():
    vectors = embed(REFERENCE_SENTENCES)

    assert MODEL_NAME == "sentence-transformers/all-MiniLM-L6-v2"
    assert vectors.shape == (3, DIMENSIONS) == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(cosine(vectors, vectors), REFERENCE_SIMILARITIES, atol=6e-5)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_query_finds_the_related_passage_first():
    passages = [
        "Green roofs lowered surface temperatures in the study area during summer heatwaves.",
        "The orchestra performed Beethoven's ninth symphony to a full concert hall.",
        "Interest rates were raised by the central bank to curb inflation.",
    ]

    scores = cosine(embed(["Do green roofs cool cities in hot weather?"])[0], embed(passages))

    assert int(np.argmax(scores)) == 0
    assert scores[0, 0] > 0.5 > max(scores[0, 1], scores[0, 2])


def test_an_embedding_does_not_depend_on_its_batch_or_padding():
    alone = embed(["Heat kills."])
    batched = embed(["A much longer sentence that forces the short one to be padded in its batch.", "Heat kills."])

    np.testing.assert_allclose(batched[1], alone[0], atol=1e-5)


def test_texts_past_256_tokens_are_truncated_not_refused():
    long_text = "urban heat " * 400

    vectors = embed([long_text, long_text + " and something else at the very end"])

    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)


def test_concurrent_callers_share_one_model_and_get_identical_results():
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: embed(REFERENCE_SENTENCES), range(4)))

    for result in results[1:]:
        np.testing.assert_allclose(result, results[0], atol=1e-6)


def test_bad_input_is_refused_and_empty_input_is_empty():
    assert embed([]).shape == (0, DIMENSIONS)
    with pytest.raises(TypeError):
        embed("not a list")
    with pytest.raises(TypeError):
        embed(["fine", 3])


def test_cosine_of_two_vectors_is_a_float():
    assert cosine(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(0.70710678)
