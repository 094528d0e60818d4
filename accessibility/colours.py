"""Colour words and the patterns of colour-only instructions, per language.

"The red button" tells nothing to someone who cannot tell red from green; the
colour-only rule looks for a colour word next to the name of a control.
"""
from __future__ import annotations

import re


def _alternation(words_: str) -> str:
    return "(?:" + "|".join(sorted(words_.split(), key=len, reverse=True)) + ")"


_EN_COLOURS = _alternation("red green blue yellow orange purple violet grey gray pink brown black white")
_EN_THINGS = _alternation(
    "button link icon box checkbox field text tab bar banner arrow circle dot square label area "
    "section menu option badge line mark message sign one item entry word key switch toggle "
    "border outline highlight tile card panel")
_ES_THINGS = _alternation(
    "botón botones enlace enlaces vínculo vínculos icono iconos ícono íconos casilla casillas campo "
    "campos texto textos pestaña pestañas barra flecha círculo punto cuadro recuadro mensaje opción "
    "opciones marca letra letras línea elemento elementos palabra palabras etiqueta tecla")
_ES_COLOURS = _alternation(
    "rojo roja rojos rojas verde verdes azul azules amarillo amarilla amarillos amarillas naranja "
    "naranjas morado morada morados moradas gris grises rosa rosado rosada negro negra blanco blanca "
    "violeta celeste")
_FR_THINGS = _alternation(
    "bouton boutons lien liens icône icônes icone case cases champ champs texte onglet barre flèche "
    "cercle point cadre message option options voyant ligne élément éléments mot mots touche "
    "étiquette pastille")
_FR_COLOURS = _alternation(
    "rouge rouges vert verte verts vertes bleu bleue bleus bleues jaune jaunes orange oranges violet "
    "violette gris grise grises rose roses noir noire noirs blanc blanche blancs blanches")
_DE_COLOURS = r"(?:rot|grün|gruen|blau|gelb|orange|lila|violett|grau|rosa|pink|schwarz|weiß|weiss|braun)"
_DE_THINGS = _alternation(
    "schaltfläche schaltflächen taste tasten knopf knöpfe button buttons link links symbol symbole "
    "icon icons feld felder text registerkarte reiter leiste pfeil kreis punkt kästchen "
    "kontrollkästchen meldung markierung lampe anzeige bereich eintrag einträge zeile wort wörter "
    "balken häkchen")
_PT_THINGS = _alternation(
    "botão botões link links ligação ícone ícones caixa caixas campo campos texto aba guia barra seta "
    "círculo ponto mensagem opção opções linha item itens palavra palavras tecla etiqueta marca")
_PT_COLOURS = _alternation(
    "vermelho vermelha vermelhos vermelhas verde verdes azul azuis amarelo amarela amarelos amarelas "
    "laranja roxo roxa cinza cinzento cinzenta rosa preto preta branco branca violeta")
_IT_THINGS = _alternation(
    "pulsante pulsanti tasto tasti bottone bottoni link collegamento icona icone casella caselle campo "
    "campi testo scheda barra freccia cerchio punto riquadro messaggio opzione opzioni spia riga "
    "voce voci parola parole etichetta")
_IT_COLOURS = _alternation(
    "rosso rossa rossi rosse verde verdi blu azzurro azzurra azzurri azzurre giallo gialla gialli "
    "gialle arancione arancioni viola grigio grigia grigi grigie rosa nero nera neri nere bianco "
    "bianca bianchi bianche")
_MARKED = r"(?:highlighted|marked|shown|displayed|coloured|colored|written|underlined|outlined|circled|labell?ed)"

COLOUR_ONLY = re.compile("|".join([
    # en: "the red button", "green links", "highlighted in yellow", "shown in red"
    rf"\b{_EN_COLOURS}(?:-colou?red)?\s+{_EN_THINGS}(?:e?s)?\b",
    rf"\b{_MARKED}\s+(?:in\s+)?{_EN_COLOURS}\b",
    rf"\bin\s+{_EN_COLOURS}\b(?!\s+and\s+white)",
    # es: "el botón rojo", "marcado en rojo" ("en blanco" means blank)
    rf"\b{_ES_THINGS}\s+(?:de\s+color\s+)?{_ES_COLOURS}\b",
    r"\b(?:en|de\s+color)\s+(?:rojo|verde|azul|amarillo|naranja|gris|morado|rosa|violeta)\b",
    # fr: "le bouton vert", "surligné en jaune" ("en blanc" means blank)
    rf"\b{_FR_THINGS}\s+{_FR_COLOURS}\b",
    r"\ben\s+(?:rouge|vert|bleu|jaune|orange|violet|gris|rose)\b",
    # de: "die rote Schaltfläche", "gelb markiert", "in Rot"
    rf"\b{_DE_COLOURS}(?:e|en|er|es|em)?\s+{_DE_THINGS}\b",
    rf"\b{_DE_COLOURS}\s+(?:markiert|hervorgehoben|dargestellt|angezeigt|gekennzeichnet|unterlegt|umrandet|eingefärbt)\b",
    r"\bin\s+(?:rot|grün|blau|gelb|grau|lila|violett)\b",
    # pt: "o botão vermelho", "destacado em amarelo" ("em branco" means blank)
    rf"\b{_PT_THINGS}\s+{_PT_COLOURS}\b",
    r"\bem\s+(?:vermelho|verde|azul|amarelo|laranja|roxo|cinza|rosa)\b",
    # it: "il pulsante rosso", "evidenziato in giallo" ("in bianco" means blank)
    rf"\b{_IT_THINGS}\s+{_IT_COLOURS}\b",
    r"\bin\s+(?:rosso|verde|blu|giallo|arancione|grigio|viola|azzurro)\b",
    # zh, ja: 红色按钮 / 赤いボタン
    r"[红绿蓝黄橙紫灰]色的?(?:按钮|链接|图标|框|文字|选项|标记)",
    r"(?:赤|緑|青|黄色|オレンジ|灰色|紫)(?:い|色の|の)?(?:ボタン|リンク|アイコン|枠|文字|マーク)",
]), re.IGNORECASE)


def _colour_words() -> frozenset[str]:
    """Every colour word the patterns know (lower case), for a cheap first test."""
    found: set[str] = set()
    for alternation in (_EN_COLOURS, _ES_COLOURS, _FR_COLOURS, _PT_COLOURS, _IT_COLOURS):
        found.update(alternation[3:-1].split("|"))
    for stem in _DE_COLOURS[3:-1].split("|"):
        found.update(stem + ending for ending in ("", "e", "en", "er", "es", "em"))
    return frozenset(found)


_COLOUR_WORDS = _colour_words()
_SIMPLE_WORD = re.compile(r"\w+")
_CJK_COLOUR = re.compile(r"[红绿蓝黄橙紫灰赤緑青]|オレンジ")


def mentions_colour(text: str) -> bool:
    if not _COLOUR_WORDS.isdisjoint(_SIMPLE_WORD.findall(text.lower())):
        return True
    return not text.isascii() and _CJK_COLOUR.search(text) is not None
