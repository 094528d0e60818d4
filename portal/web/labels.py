"""Names of domain states shown on several pages, translated once."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "source": _l("Original"),
    "human": _l("Human translation"),
    "machine": _l("Machine translation"),
    "machine_reviewed": _l("Machine translation, reviewed"),
}


def kind_label(kind: str) -> str:
    """How a version was produced, for people: original, human, machine, machine reviewed."""
    return str(KIND_LABELS.get(kind, kind))
