"""The demo's verbatims: customer data, in the customer's language (never translated by the
interface), by touchpoint, tone and language; ``demo_history`` picks among them."""

# touchpoint -> tone -> language -> [(tag or "", text)]. A tag ties a text to an interaction's
# attribute (carrier, reason) or to the dip; untagged texts fit any interaction of the tone.
VERBATIMS = {
    "parcel-received": {
        "bad": {
            "fr": [
                ("late", "Colis livré avec {days} jours de retard, sans aucune explication."),
                ("late", "9 jours pour une commande annoncée en 48 h. Inacceptable."),
                (
                    "late",
                    "Le suivi n'a plus bougé pendant une semaine, personne ne savait où "
                    "était mon colis.",
                ),
                (
                    "late",
                    "Livraison repoussée trois fois. J'ai fini par appeler le service client.",
                ),
                ("", "Carton complètement écrasé, le produit était rayé."),
                ("", "Boîte ouverte à l'arrivée et il manquait un accessoire."),
                ("", "Le livreur n'a pas sonné, j'ai juste eu un avis de passage."),
                ("", "Créneau non respecté : j'ai posé une demi-journée pour rien."),
                ("", "Colis laissé devant la porte, sous la pluie."),
                ("", "Le suivi indiquait « livré » alors que je n'avais rien reçu."),
                (
                    "Mondial Relay",
                    "Point relais fermé le samedi, impossible de récupérer mon colis.",
                ),
                (
                    "Mondial Relay",
                    "Déposé dans un relais à 3 km alors que j'avais choisi la "
                    "livraison à domicile.",
                ),
                (
                    "Mondial Relay",
                    "Le relais n'avait plus de place, mon colis est reparti à l'entrepôt.",
                ),
            ],
            "en": [
                ("late", "Parcel arrived {days} days late and nobody told me why."),
                ("late", "Over a week for an order promised in 48 hours."),
                ("late", "Tracking didn't move for days. I had to call to find my parcel."),
                ("", "The box was crushed and the item scratched."),
                ("", "Tracking said delivered but there was nothing at my door."),
                ("", "The driver didn't even ring, just left a card."),
                ("", "Missed the delivery slot, I took half a day off for nothing."),
                ("", "Left on the doorstep in the rain."),
                (
                    "Mondial Relay",
                    "The relay point was closed on Saturday, couldn't collect my parcel.",
                ),
                (
                    "Mondial Relay",
                    "Sent to a relay point miles away although I paid for home delivery.",
                ),
            ],
        },
        "mid": {
            "fr": [
                ("", "Un peu lent, sinon rien à redire."),
                ("", "Un créneau plus précis m'aurait évité d'attendre toute la journée."),
                ("", "Emballage correct mais beaucoup trop de plastique."),
                ("late", "Arrivé un jour après la date annoncée."),
                ("", "Un SMS la veille de la livraison serait bienvenu."),
                ("Mondial Relay", "Le point relais est loin de chez moi."),
            ],
            "en": [
                ("", "A bit slow, otherwise fine."),
                ("", "A narrower delivery window would help."),
                ("", "Far too much plastic in the packaging."),
                ("late", "Came a day later than promised."),
            ],
        },
        "good": {
            "fr": [
                ("", "Livré en 24 h, bien emballé, parfait."),
                ("", "Livreur très aimable, colis en parfait état."),
                ("", "Reçu avant la date prévue, super !"),
                ("", "Suivi précis du début à la fin."),
                ("", "Emballage soigné et recyclable, merci."),
                ("Chronopost", "Livré le lendemain matin, avec un créneau d'une heure. Top."),
            ],
            "en": [
                ("", "Delivered the next day and well packed."),
                ("", "Arrived earlier than expected!"),
                ("", "Friendly driver, parcel in perfect condition."),
                ("Chronopost", "Next-morning delivery with a one-hour slot, brilliant."),
            ],
        },
    },
    "support-call": {
        "bad": {
            "fr": [
                ("", "40 minutes d'attente avant d'avoir quelqu'un."),
                ("", "Transféré trois fois, j'ai dû répéter mon histoire à chaque fois."),
                ("refund", "Toujours pas remboursé trois semaines après, on me dit de patienter."),
                ("refund", "Remboursement très lent et aucune date précise."),
                ("", "L'agent était aimable mais n'a pas pu régler mon problème."),
                ("", "On m'avait promis un rappel qui n'est jamais venu."),
                ("", "Réponse toute faite, personne n'a vraiment lu mon dossier."),
                ("", "Ligne coupée après 20 minutes d'attente."),
                (
                    "late delivery",
                    "On m'a juste dit que le transporteur était en retard, sans solution.",
                ),
                ("damaged item", "Il faut renvoyer le produit abîmé à mes frais, c'est absurde."),
            ],
            "en": [
                ("", "Waited 40 minutes before anyone picked up."),
                ("", "Transferred three times and had to repeat everything."),
                ("refund", "Still no refund three weeks later."),
                ("", "The agent was kind but couldn't fix anything."),
                ("", "Promised a call back that never came."),
                ("late delivery", "All they said was that the carrier is late. No solution."),
            ],
        },
        "mid": {"fr": [], "en": []},  # CSAT 3: no follow-up question
        "good": {
            "fr": [
                ("", "Conseillère très gentille et efficace, réglé en 5 minutes."),
                ("", "{agent} a été patient et a tout de suite retrouvé ma commande."),
                ("late delivery", "Geste commercial apprécié pour le retard."),
                ("refund", "Remboursement lancé pendant l'appel, merci !"),
                ("", "Écoute et solution rapide, rien à redire."),
                ("", "Agent aimable, m'a rappelé comme promis."),
                ("invoice", "Facture corrigée et renvoyée dans la journée."),
            ],
            "en": [
                ("", "The agent was kind and sorted it out in five minutes."),
                ("", "{agent} was patient and found my order straight away."),
                ("refund", "Refund issued during the call, thanks!"),
                ("", "Friendly, and called me back as promised."),
                ("late delivery", "Appreciated the voucher for the delay."),
            ],
        },
    },
    "return-request": {
        "bad": {
            "fr": [
                ("", "Il a fallu imprimer l'étiquette, je n'ai pas d'imprimante."),
                ("", "Trois semaines pour être remboursé après le retour."),
                ("", "Formulaire de retour introuvable sur le site."),
                (
                    "damaged item",
                    "On m'a demandé des photos du colis abîmé, puis de les renvoyer par email.",
                ),
                ("", "Le bureau de poste refusait le colis sans étiquette imprimée."),
            ],
            "en": [
                ("", "Had to print the label and I don't own a printer."),
                ("", "Three weeks to get my money back after the return."),
                (
                    "damaged item",
                    "They asked for photos of the damaged box, then asked again by email.",
                ),
            ],
        },
        "mid": {"fr": [], "en": []},  # CES 4: no follow-up question
        "good": {
            "fr": [
                ("", "Étiquette reçue par email, déposé en 2 minutes au relais."),
                ("", "Retour gratuit et remboursement en 3 jours."),
                ("", "Très simple, le QR code suffisait au bureau de poste."),
                ("wrong size", "Échange de taille sans aucune complication."),
            ],
            "en": [
                ("", "Label by email, dropped it off in two minutes."),
                ("", "Free return and refund within three days."),
                ("wrong size", "Swapped the size with no hassle at all."),
            ],
        },
    },
    "purchase": {
        "bad": {
            "fr": [
                ("", "Paiement refusé deux fois, j'ai failli abandonner."),
                ("", "Frais de livraison découverts à la dernière étape."),
                ("", "Code promo non pris en compte."),
                ("", "Le site a planté au moment de payer."),
            ],
            "en": [
                ("", "Card declined twice, I almost gave up."),
                ("", "Shipping costs only shown at the very last step."),
                ("", "The promo code didn't work."),
            ],
        },
        "mid": {
            "fr": [
                ("", "Bien, mais il faut créer un compte pour commander."),
                ("", "Peu de choix de créneaux de livraison."),
                ("", "Le paiement en plusieurs fois serait un plus."),
            ],
            "en": [
                ("", "Fine, but I had to create an account."),
                ("", "Few delivery options at checkout."),
            ],
        },
        "good": {
            "fr": [
                ("", "Commande passée en deux minutes depuis mon téléphone."),
                ("", "Paiement rapide et simple, récapitulatif très clair."),
                ("", "Site clair, j'ai trouvé ma taille tout de suite."),
                ("", "Bons conseils sur la fiche produit, j'ai commandé sans hésiter."),
                ("", "Le nouveau panier est bien plus simple qu'avant."),
            ],
            "en": [
                ("", "Ordered in two minutes on my phone."),
                ("", "Checkout was quick and clear."),
                ("", "Great product advice, ordered without hesitation."),
                ("", "The new basket is much easier than before."),
            ],
        },
    },
    "first-use": {
        "bad": {
            "fr": [
                ("", "Notice uniquement en anglais, montage compliqué."),
                ("", "Le produit ne correspond pas aux photos."),
                ("", "Une pièce manquait dans la boîte."),
            ],
            "en": [
                ("", "Unclear instructions, it took ages to set up."),
                ("", "A part was missing from the box."),
            ],
        },
        "mid": {
            "fr": [
                ("", "Produit correct mais la notice pourrait être plus claire."),
                ("", "Bonne qualité, un peu bruyant."),
            ],
            "en": [("", "Good product, the manual could be clearer.")],
        },
        "good": {
            "fr": [
                ("", "Très bonne qualité, conforme à la description."),
                ("", "Installé en 10 minutes, ravi."),
                ("", "Exactement ce que je cherchais."),
            ],
            "en": [
                ("", "Great quality, exactly as described."),
                ("", "Set up in ten minutes, love it."),
            ],
        },
    },
}
# Said after the reason, now and then: what makes a hundred verbatims read like a thousand.
CLOSINGS = {
    "bad": {
        "fr": ("Très déçu.", "Dommage.", "C'est la deuxième fois.", "Je ne commanderai plus.",
               "Franchement pénible."),
        "en": ("Very disappointed.", "Shame.", "Second time this happens.", "Not impressed."),
    },
    "mid": {
        "fr": ("Sinon ça va.", "Mais globalement correct."),
        "en": ("Otherwise OK.", "Fine overall."),
    },
    "good": {
        "fr": ("Merci !", "Bravo à l'équipe.", "Je recommande.", "Continuez comme ça."),
        "en": ("Thanks!", "Well done.", "Will order again.", "Keep it up."),
    },
}  # fmt: skip
