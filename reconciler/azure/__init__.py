"""Everything that talks to Azure (or the emulator): the only package that imports the SDKs."""
