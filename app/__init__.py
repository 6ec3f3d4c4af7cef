"""The Streamlit side of nnscratch: pages, each session's state and runs, and what they draw with.

- ``resources``: what the whole server shares, made once (datasets, the shipped model).
- ``session``: one browser session's state: its model, which model the pages use.
- ``runs``: a session's training runs, from Start to the model they leave behind.
- ``uploads``: data and model files people upload, checked before anything is kept.
- ``ui``: error display, the sidebar, shared widgets and styles.
- ``charts``: Vega-Lite specs and HTML for the live views.
- ``pages/``: one file of layout per page.
"""
