"""Product pictures drawn locally with Pillow: a simple still life of the product kind
(an oil bottle, a honey jar, a bowl of couscous, a tagine, a rug...) on a table, so a
shopper recognises the product at a glance. Deterministic for a given seed."""

from __future__ import annotations

import io
import random
import secrets
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from catalog.media import MediaStore, as_store

SIZE = 480
#: drawn at twice the size, then reduced: smooth edges without anti-aliasing primitives
SCALE = 2

RGB = tuple[int, int, int]
Point = tuple[float, float]

BACKDROPS: list[tuple[RGB, RGB]] = [
    ((246, 236, 220), (214, 180, 140)),  # cream wall, light wood
    ((232, 240, 236), (196, 160, 120)),  # pale mint, oak
    ((248, 230, 214), (170, 120, 84)),  # apricot, walnut
    ((236, 232, 246), (200, 170, 136)),  # lavender, birch
    ((250, 242, 212), (180, 136, 96)),  # sand, cedar
]


class Canvas:
    """Coordinates from 0 to 100 on both axes, scaled to the drawing's pixels."""

    def __init__(self, img: Image.Image, rng: random.Random) -> None:
        self.img = img
        self.d = ImageDraw.Draw(img)
        self.k = img.width / 100
        self.rng = rng
        #: the table's colour, under the object's shadow
        self.table: RGB = (200, 170, 130)

    def _box(self, x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * self.k, y0 * self.k, x1 * self.k, y1 * self.k]

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: RGB, r: float = 0) -> None:
        if r:
            self.d.rounded_rectangle(self._box(x0, y0, x1, y1), radius=r * self.k, fill=fill)
        else:
            self.d.rectangle(self._box(x0, y0, x1, y1), fill=fill)

    def oval(self, x0: float, y0: float, x1: float, y1: float, fill: RGB) -> None:
        self.d.ellipse(self._box(x0, y0, x1, y1), fill=fill)

    def circle(self, x: float, y: float, r: float, fill: RGB) -> None:
        self.oval(x - r, y - r, x + r, y + r, fill)

    def poly(self, points: list[Point], fill: RGB) -> None:
        self.d.polygon([(x * self.k, y * self.k) for x, y in points], fill=fill)

    def line(self, points: list[Point], fill: RGB, width: float) -> None:
        self.d.line(
            [(x * self.k, y * self.k) for x, y in points],
            fill=fill,
            width=max(1, round(width * self.k)),
            joint="curve",
        )

    def pie(self, x0: float, y0: float, x1: float, y1: float, a: float, b: float, fill: RGB):
        self.d.pieslice(self._box(x0, y0, x1, y1), a, b, fill=fill)

    def shadow(self, cx: float, y: float, w: float) -> None:
        self.oval(cx - w / 2, y - 2.5, cx + w / 2, y + 2.5, _shade(self.table, 0.7))

    def jitter(self, spread: float) -> float:
        return self.rng.uniform(-spread, spread)


def _shade(colour: RGB, factor: float) -> RGB:
    if factor < 1:
        return (int(colour[0] * factor), int(colour[1] * factor), int(colour[2] * factor))
    return (
        int(colour[0] + (255 - colour[0]) * (factor - 1)),
        int(colour[1] + (255 - colour[1]) * (factor - 1)),
        int(colour[2] + (255 - colour[2]) * (factor - 1)),
    )


def _bottle(c: Canvas, oil: RGB, cap: RGB, *, tall: bool, beside: RGB | None) -> None:
    top = 14 if tall else 30
    c.shadow(50, 86, 34)
    c.rect(36, top + 16, 64, 86, _shade(oil, 0.85), r=6)
    c.rect(38, top + 26, 62, 84, oil, r=5)
    c.rect(44, top + 4, 56, top + 18, _shade(oil, 0.85))
    c.rect(43, top - 4, 57, top + 5, cap, r=2)
    c.rect(39, top + 36, 61, top + 56, (250, 246, 236), r=2)
    c.rect(42, top + 42, 58, top + 44, _shade(cap, 0.9))
    c.rect(44, top + 48, 56, top + 50, _shade(cap, 0.9))
    c.rect(40, top + 20, 43, 80, _shade(oil, 1.35), r=1)  # glint
    if beside:
        for x in (72, 80, 76):
            y = 82 if x != 76 else 76
            c.oval(x - 5, y - 4, x + 5, y + 4, beside)
            c.oval(x - 2, y - 2, x + 1, y, _shade(beside, 1.3))


def _jar(c: Canvas, content: RGB, lid: RGB, *, extra: str) -> None:
    c.shadow(46, 86, 40)
    c.rect(26, 38, 66, 86, _shade(content, 0.8), r=8)
    c.rect(28, 42, 64, 84, content, r=7)
    c.rect(24, 30, 68, 40, lid, r=2)
    c.rect(24, 36, 68, 40, _shade(lid, 0.8))
    c.rect(31, 50, 35, 78, _shade(content, 1.3), r=2)
    c.rect(36, 56, 58, 70, (250, 246, 236), r=2)
    c.rect(40, 61, 54, 63, _shade(lid, 0.9))
    if extra == "dipper":
        c.line([(70, 50), (88, 86)], (150, 104, 60), 2.5)
        for i in range(4):
            c.oval(64 + i * 0.6, 40 + i * 3, 74 + i * 0.6, 44 + i * 3, (170, 120, 70))
        c.circle(69, 54, 2.5, content)
    elif extra == "almonds":
        for x, y in ((76, 82), (84, 78), (80, 86), (88, 85)):
            c.oval(x - 4, y - 2.5, x + 4, y + 2.5, (196, 150, 100))


def _bowl(c: Canvas, grain: RGB, *, bowl: RGB, texture: str) -> None:
    c.shadow(50, 84, 66)
    # heap of grain above the rim
    c.pie(18, 34, 82, 74, 180, 360, grain)
    dark, light = _shade(grain, 0.75), _shade(grain, 1.25)
    for _ in range(160 if texture != "lentils" else 70):
        x = c.rng.uniform(22, 78)
        top = 54 - (1 - ((x - 50) / 32) ** 2) ** 0.5 * 19
        y = c.rng.uniform(top + 1, 54)
        if texture == "lentils":
            c.oval(x - 1.6, y - 1.1, x + 1.6, y + 1.1, dark)
        elif texture == "pasta":
            c.line([(x - 3, y), (x + 3, y + c.jitter(2))], light, 0.8)
        else:
            c.circle(x, y, 0.6, dark if c.rng.random() < 0.5 else light)
    # the bowl itself: a half ellipse with a rim
    c.pie(14, 30, 86, 86, 0, 180, bowl)
    c.oval(14, 50, 86, 60, _shade(bowl, 1.15))
    c.oval(18, 52, 82, 58, grain)
    c.rect(38, 84, 62, 88, _shade(bowl, 0.8), r=1)
    for x in range(24, 80, 10):  # painted band
        c.poly([(x, 66), (x + 4, 70), (x, 74), (x - 4, 70)], _shade(bowl, 0.6))


def _dates(c: Canvas) -> None:
    c.shadow(50, 82, 74)
    c.oval(12, 62, 88, 84, (236, 226, 206))
    c.oval(16, 64, 84, 80, (224, 208, 180))
    spots: list[Point] = [
        (30, 66),
        (42, 64),
        (54, 65),
        (66, 66),
        (36, 72),
        (50, 72),
        (62, 71),
        (44, 58),
    ]
    for x, y in spots:
        x, y = x + c.jitter(1), y + c.jitter(1)
        c.oval(x - 7, y - 4, x + 7, y + 4, (104, 52, 28))
        c.oval(x - 5, y - 3, x - 1, y - 1, (150, 84, 48))
    c.line([(70, 40), (62, 56)], (120, 150, 60), 1.5)  # a palm frond
    for i in range(6):
        c.line([(70 - i * 1.3, 40 + i * 2.6), (80 - i * 0.5, 34 + i * 3)], (90, 140, 60), 1)


def _saffron(c: Canvas) -> None:
    c.shadow(42, 86, 30)
    c.rect(30, 46, 54, 86, (220, 232, 236), r=4)
    c.rect(29, 40, 55, 48, (60, 60, 70), r=2)
    for _ in range(26):
        x, y = c.rng.uniform(33, 51), c.rng.uniform(66, 83)
        c.line([(x, y), (x + c.jitter(3), y - c.rng.uniform(3, 6))], (196, 30, 24), 0.9)
    # a crocus flower with its red stigmas
    c.line([(74, 86), (72, 56)], (80, 130, 60), 1.5)
    for angle in (-30, 0, 30):
        c.poly(
            [(72, 58), (72 + angle / 4 - 6, 42), (72 + angle / 4, 36), (72 + angle / 4 + 6, 42)],
            (150, 110, 200),
        )
    for dx in (-2, 0, 2):
        c.line([(72, 50), (72 + dx * 2, 38)], (210, 40, 30), 0.8)


def _sack(c: Canvas, content: RGB, *, cubes: bool) -> None:
    c.shadow(46, 86, 50)
    c.poly([(24, 86), (68, 86), (64, 38), (28, 38)], (214, 196, 160))
    c.poly([(28, 38), (64, 38), (60, 26), (32, 26)], (200, 182, 146))
    c.rect(30, 35, 62, 39, (150, 110, 70))
    c.oval(30, 22, 62, 30, content)
    c.rect(36, 54, 56, 70, (240, 234, 218), r=2)
    c.rect(39, 60, 53, 62, (160, 60, 40))
    if cubes:
        for x, y in ((74, 80), (82, 80), (78, 72)):
            c.rect(x - 4, y - 4, x + 4, y + 4, (252, 252, 250))
            c.rect(x - 4, y - 4, x + 4, y - 2, (232, 232, 226))
    else:  # a wooden scoop of flour
        c.line([(72, 86), (88, 74)], (170, 120, 70), 2)
        c.oval(66, 80, 80, 88, (170, 120, 70))
        c.oval(67, 79, 79, 84, content)


def _can(c: Canvas) -> None:
    c.shadow(44, 86, 38)
    c.rect(26, 40, 62, 86, (200, 40, 30), r=2)
    c.oval(26, 36, 62, 44, (190, 190, 196))
    c.rect(26, 52, 62, 74, (250, 236, 200))
    c.circle(44, 63, 7, (220, 50, 36))
    c.line([(44, 56), (46, 53)], (60, 130, 50), 1.2)
    c.circle(76, 79, 8, (222, 48, 34))
    c.poly([(76, 71), (72, 68), (80, 68)], (70, 140, 60))


def _tea(c: Canvas) -> None:
    silver, dark = (200, 204, 210), (140, 144, 152)
    c.shadow(42, 86, 46)
    c.pie(22, 44, 62, 92, 180, 360, silver)
    c.rect(22, 66, 62, 84, silver, r=3)
    c.rect(30, 82, 54, 86, dark)
    c.poly([(34, 46), (50, 46), (45, 36), (39, 36)], silver)
    c.circle(42, 34, 3, dark)
    c.line([(62, 70), (74, 56), (78, 52)], dark, 2.5)  # spout
    c.line([(22, 56), (14, 62), (22, 74)], dark, 2)  # handle
    for x in (70, 84):  # tea glasses
        c.poly([(x - 5, 70), (x + 5, 70), (x + 4, 86), (x - 4, 86)], (232, 196, 120))
        c.poly([(x - 5, 70), (x + 5, 70), (x + 4.8, 74), (x - 4.8, 74)], (120, 170, 90))
    for x, y in ((60, 88), (66, 90)):
        c.oval(x - 3, y - 1.5, x + 3, y + 1.5, (70, 150, 70))


def _carton(c: Canvas) -> None:
    c.shadow(46, 86, 38)
    c.rect(30, 34, 62, 86, (248, 248, 250))
    c.poly([(30, 34), (62, 34), (54, 24), (38, 24)], (230, 232, 236))
    c.rect(38, 20, 54, 25, (230, 232, 236))
    c.rect(30, 54, 62, 70, (50, 110, 190))
    c.oval(34, 72, 58, 82, (230, 236, 246))
    c.rect(72, 62, 84, 86, (240, 246, 250), r=1)  # a glass of milk
    c.rect(73, 66, 83, 85, (252, 252, 252))


def _mask(c: Canvas, fabric: RGB) -> None:
    c.shadow(50, 82, 60)
    c.line([(24, 46), (12, 52), (24, 66)], (240, 240, 240), 1.5)  # ear loops
    c.line([(76, 46), (88, 52), (76, 66)], (240, 240, 240), 1.5)
    c.poly([(22, 40), (78, 40), (80, 66), (50, 76), (20, 66)], fabric)
    for y in (48, 56, 64):  # pleats
        c.line([(22, y), (78, y)], _shade(fabric, 0.8), 1)
    c.line([(22, 40), (78, 40)], _shade(fabric, 1.3), 1.2)


def _tablecloth(c: Canvas, cloth: RGB, thread: RGB) -> None:
    c.shadow(50, 84, 76)
    c.poly([(10, 84), (90, 84), (82, 44), (18, 44)], cloth)
    c.poly([(18, 44), (82, 44), (78, 36), (22, 36)], _shade(cloth, 0.92))
    for i in range(12):  # cross-stitch border
        x = 16 + i * 6
        c.line([(x, 74), (x + 4, 78)], thread, 0.9)
        c.line([(x + 4, 74), (x, 78)], thread, 0.9)
    for x in (34, 50, 66):  # embroidered rosettes
        c.circle(x, 60, 5, thread)
        c.circle(x, 60, 2.5, cloth)
        for dx, dy in ((0, -7), (7, 0), (0, 7), (-7, 0)):
            c.circle(x + dx * 0.7, 60 + dy * 0.5, 1.3, _shade(thread, 0.7))


def _rug(c: Canvas, field: RGB, motif: RGB) -> None:
    for x in range(18, 84, 3):  # fringes
        c.line([(x, 12), (x, 18)], (236, 226, 206), 0.8)
        c.line([(x, 82), (x, 88)], (236, 226, 206), 0.8)
    c.rect(16, 16, 84, 84, field)
    c.rect(20, 20, 80, 80, _shade(field, 1.5))
    c.rect(22, 22, 78, 78, field)
    for y in (34, 50, 66):
        c.poly([(50, y - 10), (64, y), (50, y + 10), (36, y)], motif)
        c.poly([(50, y - 5), (57, y), (50, y + 5), (43, y)], _shade(field, 1.5))
        c.line([(26, y), (34, y)], motif, 1.2)
        c.line([(66, y), (74, y)], motif, 1.2)


def _tagine(c: Canvas, clay: RGB) -> None:
    c.shadow(50, 86, 72)
    c.oval(14, 72, 86, 86, _shade(clay, 0.8))
    c.oval(16, 70, 84, 82, clay)
    c.poly([(22, 76), (78, 76), (54, 30), (46, 30)], clay)
    c.poly([(46, 30), (54, 30), (50, 22)], _shade(clay, 0.85))
    c.circle(50, 22, 3.5, _shade(clay, 0.85))
    c.line([(30, 66), (70, 66)], _shade(clay, 1.35), 1.2)
    c.line([(36, 54), (64, 54)], _shade(clay, 1.35), 1.2)
    for x in (38, 50, 62):
        c.poly([(x, 57), (x + 3, 60), (x, 63), (x - 3, 60)], (60, 110, 150))


def _basket(c: Canvas, straw: RGB) -> None:
    c.shadow(50, 86, 64)
    c.line([(28, 44), (34, 18), (50, 14), (66, 18), (72, 44)], _shade(straw, 0.7), 2.5)
    c.poly([(18, 44), (82, 44), (74, 86), (26, 86)], straw)
    for y in range(48, 86, 5):  # woven rows
        c.line([(20, y), (80, y)], _shade(straw, 0.8), 0.8)
    for x in range(24, 80, 6):
        c.line([(x, 44), (x + (x - 50) * -0.1, 86)], _shade(straw, 0.85), 0.6)
    c.rect(18, 42, 82, 47, _shade(straw, 0.75))
    for x in (34, 50, 66):  # dyed wool pompoms
        c.circle(x, 62, 3, (200, 50, 70))


def _paste_pot(c: Canvas, paste: RGB, pot: RGB) -> None:
    c.shadow(44, 86, 50)
    c.rect(20, 52, 68, 86, pot, r=6)
    c.oval(20, 46, 68, 58, _shade(pot, 1.2))
    c.oval(23, 48, 65, 56, paste)
    c.oval(30, 49, 44, 53, _shade(paste, 1.4))
    for x in range(26, 64, 8):
        c.poly([(x, 66), (x + 3, 70), (x, 74), (x - 3, 70)], _shade(pot, 0.65))
    c.rect(72, 60, 90, 86, (120, 110, 100), r=4)  # a kessa glove
    c.rect(72, 60, 90, 64, (90, 80, 70), r=1)


#: the picture of each demo product kind (catalogue and solidarity-basket staples)
DRAWINGS: dict[str, Callable[[Canvas], None]] = {
    "argan_food": lambda c: _bottle(
        c, (206, 150, 40), (110, 70, 30), tall=False, beside=(150, 100, 50)
    ),
    "argan_cosmetic": lambda c: _bottle(c, (236, 196, 100), (40, 40, 40), tall=False, beside=None),
    "olive_oil": lambda c: _bottle(c, (150, 160, 40), (40, 80, 40), tall=True, beside=(70, 90, 40)),
    "oil": lambda c: _bottle(c, (150, 160, 40), (40, 80, 40), tall=True, beside=(70, 90, 40)),
    "honey_thyme": lambda c: _jar(c, (232, 160, 30), (190, 60, 40), extra="dipper"),
    "honey_euphorbia": lambda c: _jar(c, (170, 90, 20), (60, 100, 60), extra="dipper"),
    "amlou": lambda c: _jar(c, (150, 90, 50), (200, 160, 60), extra="almonds"),
    "couscous": lambda c: _bowl(c, (232, 200, 120), bowl=(190, 90, 50), texture="grain"),
    "belboula": lambda c: _bowl(c, (196, 160, 100), bowl=(190, 90, 50), texture="grain"),
    "rice": lambda c: _bowl(c, (246, 244, 236), bowl=(60, 110, 150), texture="grain"),
    "lentils": lambda c: _bowl(c, (196, 110, 60), bowl=(230, 220, 200), texture="lentils"),
    "cumin": lambda c: _bowl(c, (160, 110, 60), bowl=(60, 110, 150), texture="grain"),
    "pasta": lambda c: _bowl(c, (236, 206, 130), bowl=(60, 110, 150), texture="pasta"),
    "dates": _dates,
    "saffron": _saffron,
    "flour": lambda c: _sack(c, (250, 248, 240), cubes=False),
    "sugar": lambda c: _sack(c, (252, 252, 250), cubes=True),
    "tomato": _can,
    "tea": _tea,
    "milk": _carton,
    "mask": lambda c: _mask(c, c.rng.choice([(70, 110, 170), (200, 80, 90), (60, 140, 120)])),
    "embroidery": lambda c: _tablecloth(c, (248, 244, 236), (40, 90, 160)),
    "rug": lambda c: _rug(c, c.rng.choice([(170, 40, 40), (200, 110, 40)]), (40, 30, 30)),
    "pottery": lambda c: _tagine(c, (190, 100, 60)),
    "woven_bag": lambda c: _basket(c, (214, 180, 110)),
    "bag": lambda c: _basket(c, (214, 180, 110)),
    "black_soap": lambda c: _paste_pot(c, (70, 50, 30), (230, 226, 216)),
    "ghassoul": lambda c: _paste_pot(c, (150, 120, 100), (190, 110, 70)),
}


def draw(seed: int, kind: str) -> Image.Image:
    """The picture of a product ``kind`` (a key of :data:`DRAWINGS`; an unknown kind
    gets a woven basket), on a backdrop chosen by ``seed``."""
    rng = random.Random(seed)
    wall, table = BACKDROPS[rng.randrange(len(BACKDROPS))]
    big = SIZE * SCALE
    img = Image.new("RGB", (big, big), wall)
    canvas = Canvas(img, rng)
    canvas.rect(0, 70, 100, 100, table)
    canvas.rect(0, 70, 100, 71.5, _shade(table, 1.25))
    canvas.table = table
    DRAWINGS.get(kind, DRAWINGS["woven_bag"])(canvas)
    return img.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def save(target: Path | MediaStore, seed: int, kind: str) -> tuple[str, int, int]:
    """Draw, save as a small JPEG under a random name in ``target`` (a folder or a
    store), return (name, width, height)."""
    name = f"{secrets.token_hex(12)}.jpg"
    img = draw(seed, kind)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=78, optimize=True)
    as_store(target).write(name, out.getvalue())
    return name, img.width, img.height
