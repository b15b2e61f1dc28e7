"""The output formats of each command: what the command line offers, without importing the
renderers (a warm ``wsaudit scan`` needs none but its own)."""

SCAN_FORMATS = ("table", "json", "csv", "sarif")
GRAPH_FORMATS = ("json", "node-link", "graphml", "gexf", "dot", "html")
HISTORY_FORMATS = ("table", "json", "csv")
CHECK_FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")
