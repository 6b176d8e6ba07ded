"""Documents the journey tests upload, built with the same libraries a student's software uses."""
from __future__ import annotations

import io

from docx import Document

# A student's draft on urban heat: casual register, citations of works in the urban_heat corpus
# (Pretendle 2022, Dummett 2021, Mockingham 2024) and one no provider has (Smith 2015).
DRAFT = [
    ("title", "Urban heat and health"),
    ("heading", "Introduction"),
    ("para", "Cities are really a lot hotter than the countryside, and it's the people who live in them that pay for it. "
             "This essay looks at how urban heat islands affect public health and what can be done about it."),
    ("heading", "Who is at risk"),
    ("para", "In the hottest weeks, most of the excess risk fell on older adults and on people living with chronic illness "
             "(Pretendle et al., 2022). After sunset, dense districts hold on to their heat, which keeps night-time "
             "temperatures high for longer (Pretendle et al., 2022)."),
    ("para", "Poorer neighbourhoods have fewer trees and more impervious surfaces, which is why their heat islands are "
             "stronger (Dummett et al., 2021). Councils rarely check whether their heat plans actually reduced harm, so "
             "little can be concluded (Mockingham et al., 2024)."),
    ("heading", "What helps"),
    ("para", "Cool roofs, street trees and water features are the main mitigation measures that get compared "
             "(Dummett et al., 2021). Warnings work best when they reach vulnerable residents before the heat arrives "
             "(Smith, 2015). Basically, cities can't ignore the problem."),
    ("heading", "Conclusion"),
    ("para", "Urban heat islands are a big public health problem. They hit the most vulnerable people hardest, but there "
             "are lots of things cities can do about them."),
    ("heading", "References"),
    ("para", "Pretendle, Q. et al. (2022) Urban heat islands and heat-related mortality. Smith, J. (2015) Heat warnings."),
]


def draft_docx(blocks: list[tuple[str, str]] = DRAFT) -> bytes:
    document = Document()
    for kind, text in blocks:
        if kind == "title":
            document.add_heading(text, 0)
        elif kind == "heading":
            document.add_heading(text, 1)
        else:
            document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def draft_text(blocks: list[tuple[str, str]] = DRAFT) -> str:
    return "\n\n".join(text for _, text in blocks)
