pytest_plugins = ['htapsim.pytest_plugin']  # its fixtures, and the guard against the metadata address
