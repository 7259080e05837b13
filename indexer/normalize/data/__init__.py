"""Data tables of the normalizers (YAML/CSV); a package so that package_data ships them."""
