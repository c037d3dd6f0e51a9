"""Product pictures drawn locally with Pillow: a zellige-like pattern in the
category's colours. Deterministic for a given seed."""

from __future__ import annotations

import random
import secrets
from pathlib import Path

from PIL import Image, ImageDraw

PALETTES = {
    "food": [(196, 120, 38), (240, 200, 120), (120, 70, 20)],
    "argan": [(200, 150, 40), (250, 220, 140), (110, 80, 20)],
    "honey": [(230, 160, 20), (255, 220, 120), (150, 90, 10)],
    "textile": [(40, 90, 160), (230, 230, 240), (160, 40, 60)],
    "craft": [(150, 60, 40), (230, 200, 170), (40, 100, 90)],
    "cosmetic": [(110, 140, 90), (230, 240, 220), (60, 80, 50)],
}
SIZE = 320


def draw(seed: int, palette: str) -> Image.Image:
    rng = random.Random(seed)
    colours = PALETTES.get(palette, PALETTES["craft"])
    img = Image.new("RGB", (SIZE, SIZE), colours[1])
    d = ImageDraw.Draw(img)
    step = rng.choice([40, 64, 80])
    for x in range(0, SIZE, step):
        for y in range(0, SIZE, step):
            c = colours[(x // step + y // step + rng.randint(0, 1)) % 3]
            cx, cy, r = x + step / 2, y + step / 2, step / 2
            d.polygon([(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)], fill=c)
            d.ellipse([cx - r / 3, cy - r / 3, cx + r / 3, cy + r / 3], fill=colours[1])
    return img


def save(folder: Path, seed: int, palette: str) -> tuple[str, int, int]:
    """Draw, save as a small JPEG under a random name, return (name, width, height)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(12)}.jpg"
    img = draw(seed, palette)
    img.save(folder / name, "JPEG", quality=70, optimize=True)
    return name, img.width, img.height
