"""Reading a captured tmux screen the way a terminal lays it out: cell
widths of wide and combining characters, the character at a cell, and the
split between the chat list and the message view. Shared by the TUI
scenarios."""
import unicodedata

VLINE = "\u2502"               # the border between list and messages


def cell_width(ch):
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def at_cell(row, col):
    """The character that starts at cell col of a captured row."""
    cells = 0
    for ch in row:
        if cells == col and cell_width(ch) > 0:
            return ch
        cells += cell_width(ch)
        if cells > col:
            return None
    return None


def right_of(row, lw):
    """The part of a captured row right of the separator."""
    cells = 0
    for i, ch in enumerate(row):
        if cells == lw:
            return row[i + 1:]
        cells += cell_width(ch)
    return ""


def list_width(cols):
    return min(cols // 3, 32)


def show(lines):
    return "\n".join("|%s|" % l for l in lines)
