"""The Sphinx framework of the extension: the domain (all state), directives, roles, nodes,
placeholders resolved once the whole plan is known, diagnostics, build events, and the
one module that knows Sphinx's and docutils' versions (:mod:`.compat`).
"""
