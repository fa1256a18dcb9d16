//! Views of the accounts area.
