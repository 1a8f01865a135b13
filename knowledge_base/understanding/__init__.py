"""Understanding: one reading of a citizen's turn (reading.py), the functions it is made of (wording.py) and every
word list and pattern they use, written once with why (words.yml). Stdlib and the knowledge base's own text and
question parsing only; the actions and the gateway consume it. Search reads only its word lists (words.py, a leaf)."""
