"""Build tiny, real Argos Translate packages for offline tests.

``build_argos_package`` writes an ``.argosmodel`` that argostranslate 1.11 installs
and runs like any downloaded package: a character-level SentencePiece model, a
CTranslate2 Transformer with hand-set weights, and a MiniSBD ONNX sentence
splitter (so MiniSBD never downloads its own model).

The "translation" is a deterministic character map: every character ``c`` of the
input becomes ``mapping.get(c, c)``. The default mapping upper-cases ASCII
letters, so ``"hello world."`` translates to ``"HELLO WORLD."``.

Known limits of what argostranslate does around the model (not of the model):

* MiniSBD splits a paragraph after ``.``, ``!`` or ``?`` followed by whitespace;
  argostranslate re-joins the sentences with one space, so runs of whitespace
  after such punctuation collapse to one space, and leading/trailing whitespace of
  a paragraph is dropped. Paragraphs (``\\n``) are kept.
* argostranslate's detokenizer turns ``_`` into a space.
* CTranslate2 stops decoding after 256 tokens by default, so a sentence longer
  than 255 characters is truncated.
* Characters outside the vocabulary (printable ASCII plus the mapping's keys and
  values) come out unchanged: the model emits ``<unk>`` and CTranslate2's
  ``replace_unknowns`` copies the aligned source piece.
"""
from __future__ import annotations

import io
import json
import string
import tempfile
import zipfile
from pathlib import Path

import numpy as np

DEFAULT_MAPPING: dict[str, str] = {c: c.upper() for c in string.ascii_lowercase}

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian"}

SPACE_PIECE = "\u2581"  # SentencePiece's whitespace marker "▁"

# Positions are encoded as (cos, sin) pairs with these periods. Their lcm (4620)
# exceeds CTranslate2's default max_input_length (1024), so no two positions a
# decoder can see share an encoding; see _transformer_spec for the margin.
POSITION_PERIODS = (3, 4, 5, 7, 11)
MAX_POSITIONS = 1040  # rows of the learned position table (>= 1024 + </s>)


def build_argos_package(
    dest_dir: Path,
    from_code: str,
    to_code: str,
    mapping: dict[str, str] | None = None,
    *,
    package_version: str = "1.0",
    from_name: str | None = None,
    to_name: str | None = None,
) -> Path:
    """Build a tiny but fully valid .argosmodel zip in dest_dir and return its path."""
    mapping = _checked_mapping(DEFAULT_MAPPING if mapping is None else mapping)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    stem = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    metadata = {
        "package_version": package_version,
        "argos_version": "1.11.0",
        "from_code": from_code,
        "from_name": from_name or LANGUAGE_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": to_name or LANGUAGE_NAMES.get(to_code, to_code),
        "type": "translate",
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / stem
        root.mkdir()
        pieces = _write_sentencepiece_model(root / "sentencepiece.model", mapping)
        _write_ctranslate2_model(root / "model", pieces, mapping)
        (root / "minisbd").mkdir()
        (root / "minisbd" / f"{from_code}.onnx").write_bytes(_minisbd_onnx_model(from_code))
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        (root / "README.md").write_text(
            f"Test package {from_code} -> {to_code}: maps characters {json.dumps(mapping, ensure_ascii=False)}.\n",
            encoding="utf-8",
        )
        archive = dest_dir / f"{stem}.argosmodel"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(root.rglob("*")):
                zf.write(path, path.relative_to(root.parent).as_posix())
    return archive


def _checked_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """Reject what a char-level map cannot express (spaces are SentencePiece's "▁")."""
    for key, value in mapping.items():
        for char in (key, value):
            if len(char) != 1 or char.isspace() or char == SPACE_PIECE or not char.isprintable():
                raise ValueError(
                    f"mapping must be between single printable non-space characters, got {key!r}: {value!r}"
                )
    return dict(mapping)


# --- SentencePiece -----------------------------------------------------------


def _write_sentencepiece_model(path: Path, mapping: dict[str, str]) -> list[str]:
    """Train a character-level model covering ASCII and the mapping; return its pieces."""
    import sentencepiece as spm

    chars = set(string.ascii_letters + string.digits + string.punctuation)
    chars |= set(mapping) | set(mapping.values())
    alphabet = "".join(sorted(chars))
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([alphabet, "a b"]),  # the space yields the "▁" piece
        model_writer=model,
        model_type="char",
        vocab_size=len(chars) + 4,  # + <unk>, <s>, </s>, ▁
        character_coverage=1.0,
        # Identity normalization and no whitespace squeezing keep encode/decode exact.
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    missing = chars - set(pieces)
    if missing or pieces[:3] != ["<unk>", "<s>", "</s>"] or SPACE_PIECE not in pieces:
        raise RuntimeError(f"unexpected SentencePiece vocabulary (missing {sorted(missing)})")
    return pieces


# --- CTranslate2 ------------------------------------------------------------


def _write_ctranslate2_model(output_dir: Path, pieces: list[str], mapping: dict[str, str]) -> None:
    """Save the hand-set spec through CTranslate2's own converter machinery."""
    from ctranslate2.converters import Converter

    spec = _transformer_spec(pieces, mapping)

    class _HandSetConverter(Converter):
        def _load(self):
            return spec

    _HandSetConverter().convert(str(output_dir), quantization="float32")


def _transformer_spec(pieces: list[str], mapping: dict[str, str]):
    """A 1-layer Transformer whose greedy output at step t is map(source token t).

    Layout of the model dimension: dims [0, V) hold a one-hot token identity, the
    next 2F dims hold the position as (cos, sin) at F periods, the rest are zero.
    The norms are RMSNorm, and every vector fed to one has a constant norm
    (one-hot + unit circles), so each norm is just a known constant scale.

    * Encoder: embedding = one-hot + position; its layer is zeroed (it adds
      nothing), so the encoder output is that vector, rescaled.
    * Decoder: token embeddings are zero, so its stream is just the position
      of step t. Cross-attention compares positions only: the score of source
      position s is R * sum_j cos(2*pi*(t - s)/P_j), maximal (R*F) at s == t and
      at least R * 0.535 lower anywhere else within MAX_POSITIONS (checked
      numerically for these periods), so with R = 60 the softmax puts ~e^-32 on
      any other position. That keeps it one-hot even when CTranslate2 quantizes
      the projections' inputs to int8 (compute_type "auto" on CPU), whose
      error is ~0.4% per component.
    * Values carry the token identity and the output projection writes it with
      a large magnitude, so after the final norm the stream is dominated by the
      copied one-hot; the vocabulary projection maps token u to map(u).
    * The source ends with </s> (add_source_eos) and map(</s>) = </s>, so
      copying it ends decoding exactly after the last source token. Beam search
      (argos uses beam 4) agrees with greedy since every step's winner has a
      logit margin of ~40.
    * <unk> maps to <unk>; CTranslate2's replace_unknowns then copies the source
      piece under the (one-hot) alignment head, so unknown characters pass through.
    """
    from ctranslate2.specs import transformer_spec

    vocab_size = len(pieces)
    index = {piece: i for i, piece in enumerate(pieces)}
    periods = np.asarray(POSITION_PERIODS, dtype=np.float64)
    n_freq = len(periods)
    pos_dims = slice(vocab_size, vocab_size + 2 * n_freq)
    d_model = -(-(vocab_size + 2 * n_freq) // 16) * 16
    ffn_dim = 16

    def zeros(*shape):
        return np.zeros(shape, dtype=np.float32)

    def diag(rows: int, dims: slice, value: float, row_offset: int = 0):
        weight = zeros(rows, d_model)
        idx = np.arange(dims.start, dims.stop)
        weight[idx + row_offset, idx] = value
        return weight

    # Alignment margin: how much lower (in units of score_scale) the best wrong
    # source position scores than the right one, over every offset the table allows.
    offsets = np.arange(1, MAX_POSITIONS)[:, None]
    margin = (1 - np.cos(2 * np.pi * offsets / periods[None, :])).sum(axis=1).min()
    assert margin > 0.5, margin

    angles = 2 * np.pi * np.arange(MAX_POSITIONS)[:, None] / periods[None, :]
    positions = zeros(MAX_POSITIONS, d_model)
    positions[:, pos_dims] = np.concatenate([np.cos(angles), np.sin(angles)], axis=1)

    # RMS of the streams entering the norms (every position row has norm sqrt(F)).
    rms_encoder = np.sqrt((1.0 + n_freq) / d_model)  # one-hot + position
    rms_decoder = np.sqrt(n_freq / d_model)  # position only
    score_scale, copy_magnitude, logit = 60.0, 30.0, 40.0
    rms_final = np.sqrt((n_freq + copy_magnitude**2) / d_model)  # position + copied one-hot

    spec = transformer_spec.TransformerSpec.from_config(num_layers=1, num_heads=1, rms_norm=True)
    spec.config.add_source_eos = True
    spec.config.layer_norm_epsilon = 1e-6

    def zero_layer(layer):
        layer.self_attention.layer_norm.gamma = np.ones(d_model, np.float32)
        layer.self_attention.linear[0].weight = zeros(3 * d_model, d_model)
        layer.self_attention.linear[1].weight = zeros(d_model, d_model)
        layer.ffn.layer_norm.gamma = np.ones(d_model, np.float32)
        layer.ffn.linear_0.weight = zeros(ffn_dim, d_model)
        layer.ffn.linear_1.weight = zeros(d_model, ffn_dim)

    encoder = spec.encoder
    encoder.scale_embeddings = False
    encoder.embeddings[0].weight = np.eye(vocab_size, d_model, dtype=np.float32)
    encoder.position_encodings.encodings = positions
    encoder.layer_norm.gamma = np.ones(d_model, np.float32)
    zero_layer(encoder.layer[0])

    decoder = spec.decoder
    decoder.scale_embeddings = False
    decoder.embeddings.weight = zeros(vocab_size, d_model)
    decoder.position_encodings.encodings = positions
    decoder.layer_norm.gamma = np.ones(d_model, np.float32)
    layer = decoder.layer[0]
    zero_layer(layer)

    # q.k / sqrt(d) must equal score_scale * sum_j cos(...): split that gain evenly
    # between the query and key projections (queries see pos/rms_decoder, keys
    # see pos/rms_encoder, and CTranslate2 divides by sqrt(head_dim)).
    qk_gain = float(np.sqrt(score_scale * rms_decoder * rms_encoder * np.sqrt(d_model)))
    cross = layer.attention
    cross.layer_norm.gamma = np.ones(d_model, np.float32)
    cross.linear[0].weight = diag(d_model, pos_dims, qk_gain)
    key_value = zeros(2 * d_model, d_model)
    key_value[:d_model] = diag(d_model, pos_dims, qk_gain)
    # Values: undo the encoder norm so the attended value is exactly the one-hot.
    key_value[d_model:] = diag(d_model, slice(0, vocab_size), rms_encoder)
    cross.linear[1].weight = key_value
    cross.linear[2].weight = diag(d_model, slice(0, vocab_size), copy_magnitude)

    # After the final norm the copied one-hot has value copy_magnitude/rms_final.
    projection = zeros(vocab_size, d_model)
    gain = logit * rms_final / copy_magnitude
    for piece, i in index.items():
        target = mapping.get(piece, piece)
        projection[index[target], i] = gain
    decoder.projection.weight = projection

    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    return spec


# --- MiniSBD ONNX model ------------------------------------------------------

SBD_UNITS = ["<PAD>", "<UNK>", " ", ".", "!", "?"]


def _minisbd_onnx_model(lang: str) -> bytes:
    """Serialize a MiniSBD-compatible ONNX graph that ends sentences at [.!?] + space.

    MiniSBD feeds ``units`` (int64 [batch, chars], ids from the vocab stored in
    the model metadata) and ``features`` (float [batch, chars, 0] with no
    feat_funcs) and takes the argmax over 5 classes per character; class 2 ends a
    sentence, class 0 continues the token. The graph: look up "is terminal
    punctuation" and "is space or padding" per unit, shift the latter left by one
    (padding after the last char counts as space), multiply, and turn the result
    into logits [1, 0, 2*b, 0, 0].

    The ``onnx`` package is not installed, so the protobuf is written by hand.
    """
    terminal = np.array([u in ".!?" for u in SBD_UNITS], np.float32)
    spacing = np.array([u in ("<PAD>", " ") for u in SBD_UNITS], np.float32)
    initializers = [
        _tensor("terminal_table", terminal),
        _tensor("space_table", spacing),
        _tensor("one", np.array([1], np.int64)),
        _tensor("big", np.array([2**62], np.int64)),
        _tensor("pad_right", np.array([0, 0, 0, 1], np.int64)),
        _tensor("pad_value", np.array(1.0, np.float32)),
        _tensor("last_axis", np.array([2], np.int64)),
        _tensor("class_weight", np.array([0, 0, 2, 0, 0], np.float32)),
        _tensor("class_bias", np.array([1, 0, 0, 0, 0], np.float32)),
    ]
    nodes = [
        _node("Gather", ["terminal_table", "units"], ["is_terminal"], axis=0),
        _node("Gather", ["space_table", "units"], ["is_space"]),
        _node("Slice", ["is_space", "one", "big", "one"], ["next_is_space_head"]),
        _node("Pad", ["next_is_space_head", "pad_right", "pad_value"], ["next_is_space"]),
        _node("Mul", ["is_terminal", "next_is_space"], ["boundary"]),
        _node("Unsqueeze", ["boundary", "last_axis"], ["boundary3"]),
        _node("Mul", ["boundary3", "class_weight"], ["weighted"]),
        _node("Add", ["weighted", "class_bias"], ["logits"]),
    ]
    graph = b"".join(
        [_msg(1, n) for n in nodes]
        + [_str(2, "minisbd_punctuation")]
        + [_msg(5, t) for t in initializers]
        + [
            _msg(11, _value_info("units", 7, ["batch", "chars"])),
            _msg(11, _value_info("features", 1, ["batch", "chars", 0])),
            _msg(12, _value_info("logits", 1, ["batch", "chars", 5])),
        ]
    )
    vocab = {
        "lang": lang,
        "idx": 0,
        "cutoff": 0,
        "lower": False,
        "_unit2id": {u: i for i, u in enumerate(SBD_UNITS)},
        "_id2unit": SBD_UNITS,
    }
    metadata = {
        "lang_code": lang,
        "config": json.dumps({"feat_funcs": []}),
        "vocab": json.dumps(vocab),
        "lexicon": "null",
    }
    return b"".join(
        [_int(1, 8), _str(2, "argos-test-support"), _msg(7, graph)]  # ir_version 8
        + [_msg(8, _str(1, "") + _int(2, 13))]  # opset_import: default domain, opset 13
        + [_msg(14, _str(1, k) + _str(2, v)) for k, v in metadata.items()]
    )


# Minimal protobuf wire-format encoding (field numbers from onnx/onnx.proto).


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64s are ten-byte two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _int(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _msg(field: int, payload: bytes) -> bytes:
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _str(field: int, text: str) -> bytes:
    return _msg(field, text.encode("utf-8"))


def _tensor(name: str, array: np.ndarray) -> bytes:
    data_type = {np.dtype(np.float32): 1, np.dtype(np.int64): 7}[array.dtype]
    dims = b"".join(_int(1, d) for d in array.shape)
    return dims + _int(2, data_type) + _str(8, name) + _msg(9, array.astype(array.dtype.newbyteorder("<")).tobytes())


def _value_info(name: str, elem_type: int, shape: list[int | str]) -> bytes:
    dims = b"".join(_msg(1, _str(2, d) if isinstance(d, str) else _int(1, d)) for d in shape)
    tensor_type = _int(1, elem_type) + _msg(2, dims)
    return _str(1, name) + _msg(2, _msg(1, tensor_type))


def _node(op_type: str, inputs: list[str], outputs: list[str], **int_attributes: int) -> bytes:
    attributes = b"".join(_msg(5, _str(1, k) + _int(3, v) + _int(20, 2)) for k, v in int_attributes.items())
    return b"".join([_str(1, i) for i in inputs] + [_str(2, o) for o in outputs] + [_str(4, op_type)]) + attributes
