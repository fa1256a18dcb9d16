//! Views of the devices area.
