//! Views of the captures area.
