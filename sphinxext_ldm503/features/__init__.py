"""What readers get, built on the framework: diagrams, the HTML explorer, the report, the
schedule views, the PDF's LaTeX, sphinx-needs interoperability.
"""
