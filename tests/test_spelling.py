"""Did-you-mean's choice of a correction and the vocabulary kept for it (portal.search.spelling)."""
from portal.search.spelling import VocabularyBuckets, closest_word

FREQUENCY = {"invoice": 3, "invoices": 40, "invert": 90, "involve": 7, "voice": 500}.__getitem__


def test_the_nearest_word_wins_over_a_more_frequent_farther_one():
    assert closest_word("invoise", ["invoice", "invoices", "invert"], FREQUENCY) == "invoice"


def test_among_equally_near_words_the_most_frequent_then_the_first_in_order():
    assert closest_word("invoce", ["invoice", "invoke"], {"invoice": 3, "invoke": 9}.__getitem__) == "invoke"
    assert closest_word("invoce", ["invoice", "invoke"], {"invoice": 5, "invoke": 5}.__getitem__) == "invoice"


def test_an_adjacent_swap_is_one_edit_and_three_edits_are_too_far():
    assert closest_word("inovice", ["invoice"], FREQUENCY) == "invoice"
    assert closest_word("inovicse", ["invoice"], FREQUENCY) == "invoice"  # a swap and an insertion
    assert closest_word("imvoizeq", ["invoice"], FREQUENCY) is None  # three edits
    assert closest_word("involce", ["involve", "invoice"], FREQUENCY) == "involve"


def test_a_word_is_never_its_own_correction_and_nothing_near_gives_none():
    assert closest_word("voice", ["voice"], FREQUENCY) is None
    assert closest_word("zzz", [], FREQUENCY) is None


def test_buckets_are_read_once_per_generation():
    buckets, reads = VocabularyBuckets(), []

    def load(words):
        def read():
            reads.append(words)
            return list(words)
        return read

    assert buckets.get(1, ("en", "p"), load(["pear"])) == ["pear"]
    assert buckets.get(1, ("en", "p"), load(["never read"])) == ["pear"]
    # A commit (new generation) may have added words: everything is read again.
    assert buckets.get(2, ("en", "p"), load(["pear", "plum"])) == ["pear", "plum"]
    assert reads == [["pear"], ["pear", "plum"]]


def test_buckets_past_the_word_budget_drop_the_least_recently_used():
    buckets = VocabularyBuckets(max_words=4)
    buckets.get(1, "a", lambda: ["a1", "a2"])
    buckets.get(1, "b", lambda: ["b1", "b2"])
    buckets.get(1, "a", lambda: ["reread"])  # used: b is now the oldest
    buckets.get(1, "c", lambda: ["c1"])
    assert buckets.get(1, "a", lambda: ["reread"]) == ["a1", "a2"]
    assert buckets.get(1, "b", lambda: ["b reread"]) == ["b reread"]
