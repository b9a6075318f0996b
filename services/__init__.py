"""Domain logic of CoStandard. Nothing here imports streamlit (a test enforces it)."""
