# -*- coding: latin-1 -*-
"""Notifications françaises (fichier encodé en latin-1 pour l'ancien terminal)."""
from netra_backend.app.websocket_core import create_websocket_manager

MESSAGES = {"connected": "Connexion établie", "closed": "Connexion fermée"}


def bienvenue(ctx):
    return {"titre": "Réseau prêt", "manager": create_websocket_manager(user_context=ctx)}
