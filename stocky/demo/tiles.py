"""Pictures for the demo catalogue, drawn rather than shipped: a coloured tile with the item's initials.

They go through `inventory.images.normalise_image`, the same checks and re-encoding as an upload.
"""

import io
import unicodedata

from PIL import Image, ImageDraw, ImageFont

from inventory.images import normalise_image

SIDE = 480
# Soft colours, one per category, in the order the categories are created.
PALETTE = ["#c8553d", "#588b8b", "#f28f3b", "#5d576b", "#8cb369", "#bc4b51"]


def initials(name):
    """The first letters of the first two real words, without accents (the default font has no "À"):
    "Fontaine à chocolat" -> "FC"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [word for word in plain.replace("-", " ").split() if len(word) > 2 and word[0].isalpha()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def tile(name, colour):
    """A normalised PNG (inventory.images.NormalisedImage) showing `name`'s initials on `colour`."""
    image = Image.new("RGB", (SIDE, SIDE), colour)
    draw = ImageDraw.Draw(image)
    margin = SIDE // 12
    draw.rounded_rectangle((margin, margin, SIDE - margin, SIDE - margin), radius=SIDE // 10, outline="white", width=6)
    font = ImageFont.load_default(size=SIDE // 3)
    draw.text((SIDE / 2, SIDE / 2), initials(name), fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return normalise_image(buffer.getvalue())
