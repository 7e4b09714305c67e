"""What Streamlit draws: the frame and navigation, data for pages, widgets, panels, charts, sign-in,
the meeting view and the packet. The only layer that imports Streamlit; it reads through
``cbme.store`` and judges through ``cbme.rules``.
"""
