"""Pages of the journey map: journeys, the map itself, stages, touchpoints and personas.

Admins and CX managers edit ("configure"); agents read ("view": no edit buttons, a POST is a 403).
Archived objects are hidden: their pages answer 404 like objects that do not exist.
"""
