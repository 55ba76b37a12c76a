"""Extensions for the domain apps (filled in as their models land on main)."""
