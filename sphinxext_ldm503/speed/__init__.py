"""The speed machinery: batched ``dot`` runs, the dry run before writing, the forked copy and
the GC freeze. Each is switched off by a setting; without any of it the extension draws
the same pages, only slower.
"""
