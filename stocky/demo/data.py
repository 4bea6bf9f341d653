"""What the demo workshop is made of: "Atelier Lumière", an artisan bakery-caterer near Lyon.

Plain data, no Django: suppliers, materials with their usual prices, finished products with their recipes and
who buys them, clients, the hub catalogue and the demo accounts. `stocky.demo.seed` turns it into records.
Names are French because the workshop is; e-mail addresses and web sites use the reserved `.example` domain
so that no demo record points at a real business.
"""

from dataclasses import dataclass, field

# --- Accounts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    role: str
    email: str
    password: str
    username: str
    first_name: str
    last_name: str
    job: str


# One account per role, with known passwords: the demo is for exploring, never for production data.
USERS = [
    DemoUser("Admin", "admin@stocky.example", "stocky-admin-demo", "camille", "Camille", "Laurent", "owner"),
    DemoUser("Manager", "manager@stocky.example", "stocky-manager-demo", "julien", "Julien", "Moreau",
             "head of production"),
    DemoUser("User", "user@stocky.example", "stocky-user-demo", "ines", "Inès", "Garcia", "pastry cook"),
    DemoUser("ReadonlyUser", "readonly@stocky.example", "stocky-readonly-demo", "marc", "Marc", "Petit",
             "accountant"),
]
DEMO_EMAILS = [user.email for user in USERS]

# --- Suppliers -------------------------------------------------------------------------------------

# key: (name, contact person, phone, e-mail local part @ domain, has a web site, lead time in days)
SUPPLIERS = {
    "moulin": ("Moulin de la Vallée d'Azergues", "Bernard Rivière", "04 74 71 20 35", "moulin-azergues", True, 3),
    "minoterie": ("Minoterie Forest & Fils", "Agnès Forest", "04 77 54 18 62", "minoterie-forest", True, 4),
    "laiterie": ("Laiterie des Monts du Lyonnais", "Paul Chazal", "04 78 48 33 10", "laiterie-monts", True, 2),
    "beurrerie": ("Beurrerie Charentaise Durand", "Hélène Durand", "05 45 82 14 77", "beurrerie-durand", True, 3),
    "ferme": ("Ferme avicole des Dombes", "Yves Bouchard", "04 74 98 26 41", "ferme-dombes", False, 2),
    "sucrerie": ("Sucrerie Girard", "Nadia Girard", "03 23 64 51 08", "sucrerie-girard", True, 5),
    "cacao": ("Cacao & Compagnie", "Olivier Marchand", "04 75 07 90 12", "cacao-compagnie", True, 4),
    "vergers": ("Les Vergers du Pilat", "Sylvie Teyssier", "04 77 51 62 93", "vergers-pilat", True, 2),
    "primeurs": ("Primeurs Rhône-Alpes", "Karim Benali", "04 72 50 44 19", "primeurs-ra", True, 1),
    "epices": ("Comptoir des Épices Saint-Jean", "Lucie Vidal", "04 78 37 25 61", "comptoir-epices", True, 4),
    "fruitsecs": ("Fruits Secs de Provence", "Marius Aubert", "04 90 36 12 84", "fruits-secs-provence", True, 5),
    "grossiste": ("Grossiste Alimentaire Lyonnais", "Service commercial", "04 72 33 80 00", "gal-pro", True, 2),
    "salaisons": ("Salaisons du Beaujolais", "Gérard Dumas", "04 74 03 48 25", "salaisons-beaujolais", False, 3),
    "maree": ("Marée Vaudaine", "Claire Jacquet", "04 78 95 61 37", "maree-vaudaine", False, 2),
    "fromagerie": ("Fromagerie des Alpes Richard", "Denis Richard", "04 50 45 72 16", "fromagerie-richard", True, 3),
    "emballages": ("Emballages Pâtissiers Rhône", "Sandrine Colin", "04 78 90 56 43", "emballages-rhone", True, 5),
    "distillerie": ("Distillerie du Dauphiné", "Jean-Luc Martel", "04 76 53 19 70", "distillerie-dauphine", True,
                    6),
    "huilerie": ("Huilerie Bérard", "Céline Bérard", "04 90 41 27 58", "huilerie-berard", True, 5),
    "torrefaction": ("Torréfaction Moka Lyon", "Rachid Haddad", "04 78 28 64 03", "moka-lyon", True, 3),
    "ingredients": ("Ingrédients Pro Boulangerie", "Stéphane Roche", "04 72 69 15 84", "ipb-pro", True, 4),
    "maraichers": ("Maraîchers de la Plaine de l'Ain", "Martine Perret", "04 74 61 38 92", "maraichers-ain", False,
                   1),
}

# --- Materials -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Material:
    name: str
    unit: str  # the stock unit
    price: str  # the usual price of one stock unit, in euros
    sellers: str  # supplier keys, the usual one first; the demo picks one to three of them
    sold_in: tuple = ()  # units the price lists use, the usual one first (default: the stock unit)
    fresh: bool = False  # bought often, in small quantities
    conversions: tuple = ()  # the material's own equivalences: ((1, "kg"), (400, "ml"))


def _dry(name, unit, price, sellers, sold_in=(), conversions=()):
    return Material(name, unit, price, sellers, sold_in, False, conversions)


def _fresh(name, unit, price, sellers, sold_in=(), conversions=()):
    return Material(name, unit, price, sellers, sold_in, True, conversions)


MATERIALS = [
    # Flours, grains and seeds
    _dry("Farine de blé T45 (gruau)", "kg", "1.12", "moulin minoterie grossiste", ("kg", "t")),
    _dry("Farine de blé T55", "kg", "0.86", "minoterie moulin grossiste", ("kg", "t")),
    _dry("Farine de blé T65 Label Rouge", "kg", "0.98", "moulin minoterie", ("kg", "t")),
    _dry("Farine de blé T80 bio", "kg", "1.48", "moulin minoterie"),
    _dry("Farine complète T150", "kg", "1.36", "moulin minoterie"),
    _dry("Farine de seigle T130", "kg", "1.42", "moulin minoterie"),
    _dry("Farine de sarrasin", "kg", "2.65", "moulin grossiste"),
    _dry("Farine d'épeautre", "kg", "2.95", "moulin"),
    _dry("Farine de châtaigne", "kg", "9.60", "fruitsecs moulin"),
    _dry("Fécule de maïs", "kg", "2.25", "grossiste ingredients"),
    _dry("Flocons d'avoine", "kg", "1.95", "moulin grossiste"),
    _dry("Graines de sésame", "kg", "6.40", "fruitsecs grossiste"),
    _dry("Graines de tournesol", "kg", "3.80", "fruitsecs grossiste"),
    _dry("Graines de lin brun", "kg", "4.10", "fruitsecs moulin"),
    # Leavening and salt
    _dry("Levure fraîche de boulanger", "kg", "3.20", "ingredients minoterie grossiste"),
    _dry("Levure sèche instantanée", "kg", "9.40", "ingredients grossiste"),
    _dry("Poudre à lever", "kg", "7.60", "ingredients grossiste"),
    _dry("Bicarbonate de soude", "kg", "4.20", "ingredients grossiste"),
    _dry("Sel fin de mer", "kg", "0.62", "grossiste ingredients"),
    _dry("Fleur de sel de Guérande", "kg", "12.50", "epices grossiste"),
    # Sugars
    _dry("Sucre semoule", "kg", "1.06", "sucrerie grossiste", ("kg", "t")),
    _dry("Sucre glace", "kg", "1.62", "sucrerie grossiste"),
    _dry("Cassonade", "kg", "2.40", "sucrerie grossiste"),
    _dry("Vergeoise brune", "kg", "3.15", "sucrerie"),
    _dry("Sucre perlé", "kg", "3.90", "sucrerie ingredients"),
    _dry("Miel de fleurs du Lyonnais", "kg", "9.80", "sucrerie"),
    _dry("Sirop de glucose", "kg", "3.25", "ingredients sucrerie"),
    _dry("Sucre inverti", "kg", "4.60", "ingredients"),
    # Dairy and eggs
    _fresh("Lait entier", "l", "1.06", "laiterie grossiste"),
    _fresh("Crème liquide 35 %", "l", "4.65", "laiterie beurrerie grossiste"),
    _fresh("Crème fraîche épaisse", "l", "4.95", "laiterie beurrerie"),
    _fresh("Beurre doux AOP", "kg", "9.30", "beurrerie laiterie grossiste"),
    _fresh("Beurre de tourage 84 %", "kg", "10.40", "beurrerie"),
    _fresh("Beurre demi-sel", "kg", "9.70", "beurrerie laiterie"),
    _fresh("Mascarpone", "kg", "7.90", "laiterie fromagerie"),
    _fresh("Fromage frais à tartiner", "kg", "6.95", "laiterie fromagerie"),
    _fresh("Œufs frais plein air", "unit", "0.26", "ferme grossiste", ("unit", "dozen"), (((1, "unit"), (50, "g")),)),
    _fresh("Blancs d'œufs liquides", "l", "5.40", "ferme ingredients"),
    _fresh("Jaunes d'œufs liquides", "l", "9.90", "ferme ingredients"),
    # Cheese, charcuterie, fish
    _fresh("Comté 18 mois", "kg", "19.80", "fromagerie"),
    _fresh("Emmental râpé", "kg", "8.90", "fromagerie grossiste laiterie"),
    _fresh("Parmesan Reggiano", "kg", "22.50", "fromagerie"),
    _fresh("Fromage de chèvre frais", "kg", "14.20", "fromagerie"),
    _fresh("Jambon blanc supérieur", "kg", "12.60", "salaisons grossiste"),
    _fresh("Lardons fumés", "kg", "8.30", "salaisons grossiste"),
    _fresh("Saumon fumé d'Écosse", "kg", "32.00", "maree"),
    # Chocolate
    _dry("Chocolat noir de couverture 70 %", "kg", "13.80", "cacao grossiste"),
    _dry("Chocolat noir 64 % pistoles", "kg", "12.70", "cacao"),
    _dry("Chocolat au lait 40 %", "kg", "12.90", "cacao grossiste"),
    _dry("Chocolat blanc 35 %", "kg", "13.30", "cacao"),
    _dry("Cacao en poudre", "kg", "11.60", "cacao grossiste"),
    _dry("Beurre de cacao", "kg", "21.50", "cacao"),
    _dry("Bâtons de chocolat boulanger", "kg", "10.90", "cacao ingredients"),
    _dry("Praliné amande-noisette 50 %", "kg", "17.60", "cacao fruitsecs"),
    _dry("Grué de cacao", "kg", "24.50", "cacao"),
    # Fruit
    _fresh("Citrons jaunes", "kg", "3.20", "primeurs vergers", ("kg", "unit"),
           (((1, "kg"), (400, "ml")), ((1, "unit"), (125, "g")))),
    _fresh("Citrons verts", "kg", "4.80", "primeurs", (), (((1, "kg"), (450, "ml")),)),
    _fresh("Oranges à jus", "kg", "2.40", "primeurs vergers", (), (((1, "kg"), (450, "ml")),)),
    _fresh("Pommes Golden", "kg", "2.10", "vergers primeurs"),
    _fresh("Pommes Reine des Reinettes", "kg", "2.70", "vergers"),
    _fresh("Poires Williams", "kg", "2.85", "vergers primeurs"),
    _fresh("Abricots du Roussillon", "kg", "4.30", "primeurs vergers"),
    _fresh("Fraises Gariguette", "kg", "9.60", "primeurs vergers"),
    _fresh("Framboises", "kg", "16.20", "primeurs vergers"),
    _fresh("Myrtilles", "kg", "14.10", "primeurs"),
    _fresh("Bananes", "kg", "2.05", "primeurs"),
    _dry("Purée de fruit de la passion", "l", "11.60", "ingredients primeurs"),
    _dry("Purée de framboise", "l", "9.90", "ingredients"),
    _dry("Purée de mangue", "l", "8.95", "ingredients"),
    _dry("Écorces d'orange confites", "kg", "12.20", "fruitsecs ingredients"),
    _dry("Raisins secs de Corinthe", "kg", "6.30", "fruitsecs grossiste"),
    _dry("Crème de marrons", "kg", "8.90", "fruitsecs ingredients"),
    _dry("Nappage neutre", "kg", "5.30", "ingredients"),
    # Nuts
    _dry("Amandes entières", "kg", "11.60", "fruitsecs"),
    _dry("Amandes effilées", "kg", "12.90", "fruitsecs grossiste"),
    _dry("Poudre d'amandes", "kg", "12.40", "fruitsecs grossiste"),
    _dry("Noisettes torréfiées", "kg", "13.30", "fruitsecs"),
    _dry("Pistaches vertes décortiquées", "kg", "38.50", "fruitsecs"),
    _dry("Pâte de pistache pure", "kg", "48.00", "fruitsecs cacao"),
    _dry("Cerneaux de noix", "kg", "14.60", "fruitsecs"),
    _dry("Noix de pécan", "kg", "19.20", "fruitsecs"),
    _dry("Pignons de pin", "kg", "45.50", "fruitsecs"),
    _dry("Noix de coco râpée", "kg", "6.90", "fruitsecs grossiste"),
    _dry("Pâte d'amande 33 %", "kg", "7.70", "fruitsecs ingredients"),
    # Spices and flavourings: small quantities, stocked in grams, bought by the kilo
    _dry("Gousses de vanille Bourbon", "unit", "3.20", "epices", ("unit", "dozen")),
    _dry("Extrait de vanille naturelle", "l", "96.00", "epices ingredients"),
    _dry("Cannelle de Ceylan moulue", "g", "0.024", "epices", ("kg",)),
    _dry("Noix de muscade moulue", "g", "0.031", "epices", ("kg",)),
    _dry("Cardamome verte moulue", "g", "0.062", "epices", ("kg",)),
    _dry("Anis étoilé", "g", "0.038", "epices", ("kg",)),
    _dry("Gingembre moulu", "g", "0.021", "epices", ("kg",)),
    _dry("Poivre noir de Kampot", "g", "0.058", "epices", ("kg",)),
    _dry("Safran en filaments", "g", "9.50", "epices"),
    _dry("Fève tonka", "g", "0.19", "epices", ("kg",)),
    _dry("Herbes de Provence", "g", "0.028", "epices grossiste", ("kg",)),
    _dry("Eau de fleur d'oranger", "l", "12.40", "epices ingredients"),
    # Spirits and coffee
    _dry("Rhum ambré agricole", "l", "18.50", "distillerie grossiste"),
    _dry("Kirsch de Fougerolles", "l", "32.00", "distillerie"),
    _dry("Grand Marnier", "l", "29.50", "distillerie grossiste"),
    _dry("Café en grains pure arabica", "kg", "18.20", "torrefaction"),
    _dry("Extrait de café", "l", "31.00", "torrefaction ingredients"),
    # Pastry helpers and oils
    _dry("Gélatine en feuilles", "unit", "0.08", "ingredients", ("unit", "kg"), (((1, "unit"), (2, "g")),)),
    _dry("Pectine NH", "kg", "42.00", "ingredients"),
    _dry("Fondant pâtissier", "kg", "3.45", "ingredients sucrerie"),
    _dry("Huile d'olive vierge extra", "l", "8.60", "huilerie grossiste"),
    _dry("Huile de tournesol", "l", "2.45", "huilerie grossiste"),
    _dry("Olives noires de Nyons", "kg", "9.20", "huilerie"),
    # Vegetables and herbs
    _fresh("Oignons jaunes", "kg", "1.30", "maraichers primeurs"),
    _fresh("Poireaux", "kg", "2.25", "maraichers"),
    _fresh("Épinards frais", "kg", "4.60", "maraichers primeurs"),
    _fresh("Champignons de Paris", "kg", "4.25", "maraichers primeurs"),
    _fresh("Tomates grappe", "kg", "2.90", "maraichers primeurs"),
    _fresh("Ail rose", "kg", "6.10", "maraichers"),
    _fresh("Ciboulette (botte)", "unit", "1.10", "maraichers"),
    # Packaging
    _dry("Boîte pâtissière 16 cm", "unit", "0.42", "emballages grossiste"),
    _dry("Boîte pâtissière 22 cm", "unit", "0.58", "emballages grossiste"),
    _dry("Boîte pâtissière 28 cm", "unit", "0.76", "emballages"),
    _dry("Coffret à macarons 12 pièces", "unit", "0.95", "emballages"),
    _dry("Sachet viennoiserie kraft", "unit", "0.04", "emballages grossiste"),
    _dry("Sac à baguette", "unit", "0.03", "emballages grossiste"),
    _dry("Sac kraft à poignées", "unit", "0.18", "emballages"),
    _dry("Semelle carton or 24 cm", "unit", "0.22", "emballages"),
    _dry("Caissette papier plissée", "unit", "0.02", "emballages"),
    _dry("Pot en verre 370 ml", "unit", "0.55", "emballages"),
    _dry("Étiquette produit", "unit", "0.03", "emballages"),
    _dry("Barquette sandwich kraft", "unit", "0.12", "emballages grossiste"),
    _dry("Feuille de papier cuisson", "unit", "0.05", "emballages grossiste"),
]

# --- Finished products -----------------------------------------------------------------------------

RESTAURANT, EPICERIE, PARTICULIER = "restaurant", "epicerie", "particulier"

# Production families: (hourly rate in euros, hours to set up a run, how many days of orders one run covers)
FAMILIES = {
    "bread": ("25.50", "1.0", 3),
    "viennoiserie": ("26.50", "1.0", 3),
    "pastry": ("29.00", "1.5", 4),
    "savoury": ("27.00", "1.0", 4),
    "biscuit": ("24.50", "1.0", 14),
    "grocery": ("24.00", "1.5", 28),
}


@dataclass(frozen=True)
class Product:
    name: str
    unit: str  # the stock unit
    price: str  # retail price of one stock unit, in euros
    family: str
    minutes: str  # minutes of work per stock unit, once a run is set up
    step: int  # runs are made in multiples of this many stock units
    recipe: tuple  # (material name, quantity for one stock unit, unit)
    orders: dict = field(default_factory=dict)  # client type -> (least, most, unit of the order)
    comments: str = ""
    conversions: tuple = ()
    plan_unit: str = ""  # the unit production plans use, if not the stock unit


def _product(name, unit, price, family, minutes, step, recipe, orders, **extra):
    return Product(name, unit, price, family, minutes, step, tuple(recipe), orders, **extra)


T45, T55, T65 = "Farine de blé T45 (gruau)", "Farine de blé T55", "Farine de blé T65 Label Rouge"
BUTTER, LAMINATING, SALTED = "Beurre doux AOP", "Beurre de tourage 84 %", "Beurre demi-sel"
EGGS, MILK, CREAM = "Œufs frais plein air", "Lait entier", "Crème liquide 35 %"
SUGAR, ICING, SALT, YEAST = "Sucre semoule", "Sucre glace", "Sel fin de mer", "Levure fraîche de boulanger"
STARCH, ALMOND_POWDER, VANILLA = "Fécule de maïs", "Poudre d'amandes", "Gousses de vanille Bourbon"
BAG, BOX22, BOX28, BOARD = "Sachet viennoiserie kraft", "Boîte pâtissière 22 cm", "Boîte pâtissière 28 cm", \
    "Semelle carton or 24 cm"
JAR, LABEL, PEPPER, NUTMEG = "Pot en verre 370 ml", "Étiquette produit", "Poivre noir de Kampot", \
    "Noix de muscade moulue"

PRODUCTS = [
    # Breads
    _product("Baguette de tradition", "unit", "1.30", "bread", "0.5", 20, [
        (T65, "160", "g"), (SALT, "3.2", "g"), (YEAST, "1.2", "g"), ("Sac à baguette", "1", "unit"),
    ], {RESTAURANT: (20, 60, "unit")}),
    _product("Pain de campagne au levain", "unit", "5.20", "bread", "1.5", 10, [
        (T65, "360", "g"), ("Farine de seigle T130", "70", "g"), (SALT, "9", "g"), (YEAST, "1", "g"),
    ], {RESTAURANT: (4, 12, "unit"), EPICERIE: (6, 12, "unit")}, comments="Loaf of 800 g, natural leaven."),
    _product("Pain complet", "unit", "4.10", "bread", "1.2", 10, [
        ("Farine complète T150", "300", "g"), (T65, "120", "g"), (SALT, "8", "g"), (YEAST, "5", "g"),
        ("Graines de lin brun", "12", "g"),
    ], {RESTAURANT: (3, 8, "unit")}),
    _product("Pain aux noix", "unit", "5.60", "bread", "1.5", 10, [
        ("Farine de blé T80 bio", "260", "g"), ("Farine de seigle T130", "50", "g"), ("Cerneaux de noix", "70", "g"),
        (SALT, "6", "g"), (YEAST, "5", "g"),
    ], {RESTAURANT: (2, 6, "unit"), EPICERIE: (4, 8, "unit")}),
    _product("Pain aux céréales", "unit", "4.80", "bread", "1.3", 10, [
        ("Farine de blé T80 bio", "300", "g"), ("Graines de sésame", "15", "g"), ("Graines de tournesol", "20", "g"),
        ("Graines de lin brun", "15", "g"), ("Flocons d'avoine", "15", "g"), (SALT, "7", "g"), (YEAST, "6", "g"),
    ], {RESTAURANT: (3, 8, "unit")}),
    _product("Pain d'épeautre au sarrasin", "unit", "5.40", "bread", "1.5", 10, [
        ("Farine d'épeautre", "330", "g"), ("Farine de sarrasin", "50", "g"), (SALT, "7", "g"), (YEAST, "4", "g"),
        ("Graines de sésame", "10", "g"),
    ], {EPICERIE: (4, 8, "unit"), PARTICULIER: (1, 2, "unit")}),
    _product("Fougasse aux olives", "unit", "3.90", "bread", "1.5", 10, [
        (T65, "200", "g"), ("Huile d'olive vierge extra", "20", "ml"), ("Olives noires de Nyons", "50", "g"),
        (SALT, "4", "g"), ("Levure sèche instantanée", "1.5", "g"), ("Herbes de Provence", "1", "g"),
    ], {RESTAURANT: (4, 10, "unit")}),
    # Viennoiseries
    _product("Croissant au beurre", "unit", "1.25", "viennoiserie", "0.8", 24, [
        (T45, "50", "g"), (LAMINATING, "28", "g"), (SUGAR, "6", "g"), (SALT, "1", "g"), (YEAST, "2.5", "g"),
        (MILK, "12", "ml"), (EGGS, "0.1", "unit"), (BAG, "1", "unit"),
    ], {RESTAURANT: (2, 5, "dozen")}, plan_unit="dozen"),
    _product("Pain au chocolat", "unit", "1.40", "viennoiserie", "0.8", 24, [
        (T45, "50", "g"), (LAMINATING, "28", "g"), (SUGAR, "6", "g"), (SALT, "1", "g"), (YEAST, "2.5", "g"),
        (MILK, "12", "ml"), ("Bâtons de chocolat boulanger", "10", "g"), (EGGS, "0.1", "unit"), (BAG, "1", "unit"),
    ], {RESTAURANT: (2, 4, "dozen")}, plan_unit="dozen"),
    _product("Pain aux raisins", "unit", "1.70", "viennoiserie", "1.0", 12, [
        (T45, "45", "g"), (LAMINATING, "22", "g"), (SUGAR, "12", "g"), (MILK, "30", "ml"), (EGGS, "0.2", "unit"),
        ("Raisins secs de Corinthe", "14", "g"), ("Rhum ambré agricole", "2", "ml"), (YEAST, "2", "g"),
        (STARCH, "3", "g"), (BAG, "1", "unit"),
    ], {RESTAURANT: (12, 24, "unit")}),
    _product("Chausson aux pommes", "unit", "1.90", "viennoiserie", "1.0", 12, [
        (T45, "40", "g"), (LAMINATING, "30", "g"), ("Pommes Golden", "60", "g"), (SUGAR, "10", "g"),
        ("Citrons jaunes", "5", "ml"), (EGGS, "0.1", "unit"), (BAG, "1", "unit"),
    ], {RESTAURANT: (12, 24, "unit")}),
    _product("Brioche tressée", "unit", "7.50", "viennoiserie", "4.0", 6, [
        (T45, "220", "g"), (BUTTER, "90", "g"), (EGGS, "2.5", "unit"), (SUGAR, "30", "g"), (SALT, "4", "g"),
        (YEAST, "10", "g"), (MILK, "40", "ml"), ("Sucre perlé", "10", "g"), ("Eau de fleur d'oranger", "5", "ml"),
    ], {RESTAURANT: (2, 4, "unit"), PARTICULIER: (1, 2, "unit")}, comments="500 g, plaited by hand."),
    _product("Kouign-amann", "unit", "3.20", "viennoiserie", "1.5", 12, [
        (T45, "50", "g"), (SALTED, "40", "g"), (SUGAR, "40", "g"), (YEAST, "2", "g"), (BAG, "1", "unit"),
    ], {PARTICULIER: (2, 6, "unit"), RESTAURANT: (6, 12, "unit")}),
    _product("Roulé cannelle-cardamome", "unit", "2.80", "viennoiserie", "1.2", 12, [
        (T45, "60", "g"), (BUTTER, "18", "g"), (SUGAR, "12", "g"), (MILK, "35", "ml"), (YEAST, "3", "g"),
        ("Cannelle de Ceylan moulue", "1.5", "g"), ("Cardamome verte moulue", "0.8", "g"), ("Sucre perlé", "3", "g"),
        (BAG, "1", "unit"),
    ], {RESTAURANT: (12, 24, "unit")}),
    _product("Escargot pistache-chocolat", "unit", "2.40", "viennoiserie", "1.2", 12, [
        (T45, "45", "g"), (LAMINATING, "22", "g"), (SUGAR, "8", "g"), (MILK, "25", "ml"), (EGGS, "0.2", "unit"),
        ("Pâte de pistache pure", "10", "g"), ("Pistaches vertes décortiquées", "4", "g"),
        ("Chocolat noir 64 % pistoles", "8", "g"), (YEAST, "2", "g"), (BAG, "1", "unit"),
    ], {RESTAURANT: (12, 24, "unit")}),
    # Pastries
    _product("Tarte au citron meringuée", "unit", "26.00", "pastry", "12", 2, [
        (T55, "130", "g"), (BUTTER, "90", "g"), (ICING, "50", "g"), (ALMOND_POWDER, "20", "g"), (EGGS, "6", "unit"),
        (SUGAR, "240", "g"), ("Citrons jaunes", "160", "ml"), (STARCH, "10", "g"), (BOX22, "1", "unit"),
        (BOARD, "1", "unit"),
    ], {RESTAURANT: (1, 3, "unit"), PARTICULIER: (1, 1, "unit")}, comments="For 8; the juice of fresh lemons."),
    _product("Tarte aux fraises", "unit", "29.00", "pastry", "14", 2, [
        (T55, "130", "g"), (BUTTER, "70", "g"), (ICING, "50", "g"), (ALMOND_POWDER, "20", "g"), (EGGS, "3", "unit"),
        (MILK, "250", "ml"), (SUGAR, "60", "g"), (STARCH, "20", "g"), (VANILLA, "0.5", "unit"),
        ("Fraises Gariguette", "450", "g"), ("Nappage neutre", "60", "g"), (BOX28, "1", "unit"), (BOARD, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit"), RESTAURANT: (1, 2, "unit")}, comments="For 8."),
    _product("Tarte Tatin", "unit", "22.00", "pastry", "10", 2, [
        ("Pommes Reine des Reinettes", "1.2", "kg"), (BUTTER, "100", "g"), (SUGAR, "180", "g"), (T55, "120", "g"),
        (SALT, "2", "g"), (BOX22, "1", "unit"),
    ], {RESTAURANT: (1, 3, "unit"), PARTICULIER: (1, 1, "unit")}),
    _product("Tarte Bourdaloue", "unit", "24.00", "pastry", "12", 2, [
        ("Poires Williams", "500", "g"), (T55, "130", "g"), (BUTTER, "140", "g"), (SUGAR, "150", "g"),
        (ALMOND_POWDER, "100", "g"), (EGGS, "3", "unit"), (ICING, "30", "g"), ("Amandes effilées", "15", "g"),
        (BOX22, "1", "unit"), (BOARD, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit"), RESTAURANT: (1, 2, "unit")}, comments="Pears and almond cream."),
    _product("Flan pâtissier", "unit", "16.00", "pastry", "8", 2, [
        (MILK, "700", "ml"), (CREAM, "150", "ml"), (EGGS, "3", "unit"), (SUGAR, "150", "g"), (STARCH, "70", "g"),
        (VANILLA, "1", "unit"), (T55, "100", "g"), (BUTTER, "60", "g"), (BOX22, "1", "unit"),
    ], {RESTAURANT: (2, 4, "unit"), PARTICULIER: (1, 1, "unit")}),
    _product("Éclair au chocolat", "unit", "3.60", "pastry", "2", 12, [
        (T55, "12", "g"), (BUTTER, "10", "g"), (EGGS, "0.6", "unit"), (MILK, "70", "ml"), (SUGAR, "18", "g"),
        (STARCH, "6", "g"), ("Chocolat noir de couverture 70 %", "12", "g"), ("Cacao en poudre", "2", "g"),
        ("Fondant pâtissier", "15", "g"), (SALT, "0.3", "g"),
    ], {RESTAURANT: (10, 24, "unit"), PARTICULIER: (4, 8, "unit")}),
    _product("Éclair au café", "unit", "3.60", "pastry", "2", 12, [
        (T55, "12", "g"), (BUTTER, "10", "g"), (EGGS, "0.6", "unit"), (MILK, "70", "ml"), (SUGAR, "18", "g"),
        (STARCH, "6", "g"), ("Extrait de café", "3", "ml"), ("Fondant pâtissier", "18", "g"), (SALT, "0.3", "g"),
    ], {RESTAURANT: (10, 24, "unit")}),
    _product("Paris-Brest", "unit", "5.40", "pastry", "3", 6, [
        (T55, "15", "g"), (BUTTER, "25", "g"), (EGGS, "0.7", "unit"), (MILK, "30", "ml"), (CREAM, "30", "ml"),
        ("Praliné amande-noisette 50 %", "35", "g"), ("Amandes effilées", "5", "g"), (ICING, "3", "g"),
        (SUGAR, "10", "g"),
    ], {RESTAURANT: (6, 12, "unit"), PARTICULIER: (2, 6, "unit")}),
    _product("Mille-feuille vanille", "unit", "4.90", "pastry", "3", 12, [
        (T55, "30", "g"), (LAMINATING, "25", "g"), (MILK, "80", "ml"), (EGGS, "0.5", "unit"), (SUGAR, "20", "g"),
        (STARCH, "7", "g"), ("Extrait de vanille naturelle", "1", "ml"), ("Fondant pâtissier", "15", "g"),
        ("Chocolat noir 64 % pistoles", "2", "g"), (SALT, "0.5", "g"),
    ], {RESTAURANT: (10, 20, "unit")}),
    _product("Opéra", "unit", "5.40", "pastry", "3", 12, [
        (ALMOND_POWDER, "15", "g"), (ICING, "15", "g"), (EGGS, "0.8", "unit"), (T55, "5", "g"), (BUTTER, "20", "g"),
        ("Extrait de café", "4", "ml"), ("Café en grains pure arabica", "3", "g"),
        ("Chocolat noir de couverture 70 %", "20", "g"), (CREAM, "15", "ml"), (SUGAR, "12", "g"),
    ], {RESTAURANT: (10, 20, "unit")}),
    _product("Fraisier", "unit", "38.00", "pastry", "25", 2, [
        ("Fraises Gariguette", "500", "g"), (T55, "90", "g"), (SUGAR, "200", "g"), (EGGS, "5", "unit"),
        (MILK, "400", "ml"), (BUTTER, "200", "g"), (VANILLA, "1", "unit"), ("Pâte d'amande 33 %", "150", "g"),
        ("Kirsch de Fougerolles", "20", "ml"), (BOX28, "1", "unit"), (BOARD, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit")}, comments="For 10; on order, two days' notice."),
    _product("Entremets mangue-passion", "unit", "34.00", "pastry", "30", 2, [
        ("Purée de mangue", "250", "ml"), ("Purée de fruit de la passion", "100", "ml"), (CREAM, "300", "ml"),
        ("Chocolat blanc 35 %", "150", "g"), ("Gélatine en feuilles", "6", "unit"), ("Noix de coco râpée", "60", "g"),
        ("Blancs d'œufs liquides", "90", "ml"), (SUGAR, "120", "g"), (ALMOND_POWDER, "60", "g"),
        ("Sucre inverti", "20", "g"), ("Sirop de glucose", "40", "g"), (BOX28, "1", "unit"), (BOARD, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit"), RESTAURANT: (1, 2, "unit")}, comments="For 8."),
    _product("Cheesecake passion", "unit", "27.00", "pastry", "15", 2, [
        ("Fromage frais à tartiner", "450", "g"), (SUGAR, "120", "g"), (EGGS, "3", "unit"), (CREAM, "100", "ml"),
        ("Purée de fruit de la passion", "80", "ml"), (T55, "80", "g"), (BUTTER, "50", "g"), ("Cassonade", "30", "g"),
        ("Gélatine en feuilles", "2", "unit"), (BOX22, "1", "unit"), (BOARD, "1", "unit"),
    ], {RESTAURANT: (1, 2, "unit"), PARTICULIER: (1, 1, "unit")}),
    _product("Tartelette myrtille-citron vert", "unit", "4.60", "pastry", "3", 12, [
        (T55, "25", "g"), (BUTTER, "15", "g"), (ICING, "10", "g"), (ALMOND_POWDER, "5", "g"), ("Myrtilles", "45", "g"),
        ("Citrons verts", "10", "ml"), (CREAM, "25", "ml"), (SUGAR, "12", "g"), ("Gélatine en feuilles", "0.3", "unit"),
    ], {RESTAURANT: (10, 20, "unit")}),
    _product("Tiramisu en verrine", "unit", "4.80", "pastry", "2", 12, [
        ("Mascarpone", "60", "g"), (EGGS, "0.5", "unit"), (SUGAR, "15", "g"), ("Extrait de café", "6", "ml"),
        ("Cacao en poudre", "2", "g"), (T55, "8", "g"), (ICING, "4", "g"),
    ], {RESTAURANT: (10, 20, "unit")}),
    _product("Mont-Blanc", "unit", "5.60", "pastry", "3", 12, [
        ("Crème de marrons", "60", "g"), (CREAM, "30", "ml"), ("Blancs d'œufs liquides", "15", "ml"),
        (ICING, "20", "g"),
        (SUGAR, "10", "g"), (VANILLA, "0.05", "unit"), ("Caissette papier plissée", "1", "unit"),
    ], {RESTAURANT: (6, 12, "unit"), PARTICULIER: (2, 6, "unit")}),
    _product("Macarons assortis, coffret de 12", "unit", "19.00", "pastry", "15", 6, [
        (ALMOND_POWDER, "120", "g"), (ICING, "120", "g"), ("Blancs d'œufs liquides", "90", "ml"), (SUGAR, "110", "g"),
        ("Chocolat blanc 35 %", "40", "g"), (CREAM, "40", "ml"), ("Purée de framboise", "30", "ml"),
        ("Pâte de pistache pure", "8", "g"), ("Purée de fruit de la passion", "20", "ml"),
        ("Coffret à macarons 12 pièces", "1", "unit"),
    ], {PARTICULIER: (1, 3, "unit"), EPICERIE: (6, 12, "unit")}),
    _product("Galette des rois frangipane", "unit", "26.00", "pastry", "15", 2, [
        (T45, "250", "g"), (LAMINATING, "190", "g"), (ALMOND_POWDER, "125", "g"), (BUTTER, "100", "g"),
        (SUGAR, "125", "g"), (EGGS, "3", "unit"), ("Rhum ambré agricole", "10", "ml"), (SALT, "3", "g"),
        (BOX28, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit")}, comments="For 8, with its charm and crown."),
    # Savoury
    _product("Quiche lorraine", "unit", "18.00", "savoury", "10", 2, [
        (T55, "150", "g"), (BUTTER, "75", "g"), (EGGS, "4", "unit"), (CREAM, "300", "ml"), (MILK, "200", "ml"),
        ("Lardons fumés", "200", "g"), ("Emmental râpé", "60", "g"), (NUTMEG, "0.5", "g"), (SALT, "4", "g"),
        (PEPPER, "0.5", "g"), (BOX22, "1", "unit"),
    ], {RESTAURANT: (2, 6, "unit"), PARTICULIER: (1, 2, "unit")}),
    _product("Quiche saumon-épinards", "unit", "22.00", "savoury", "10", 2, [
        (T55, "150", "g"), (BUTTER, "75", "g"), (EGGS, "4", "unit"), (CREAM, "300", "ml"),
        ("Saumon fumé d'Écosse", "150", "g"), ("Épinards frais", "200", "g"), ("Ciboulette (botte)", "0.5", "unit"),
        ("Safran en filaments", "0.05", "g"), (SALT, "4", "g"), (PEPPER, "0.5", "g"), (BOX22, "1", "unit"),
    ], {RESTAURANT: (2, 4, "unit"), PARTICULIER: (1, 2, "unit")}),
    _product("Quiche poireaux-champignons", "unit", "18.00", "savoury", "10", 2, [
        (T55, "150", "g"), (BUTTER, "75", "g"), (EGGS, "4", "unit"), (CREAM, "300", "ml"), ("Poireaux", "250", "g"),
        ("Champignons de Paris", "150", "g"), ("Ail rose", "5", "g"), ("Parmesan Reggiano", "30", "g"),
        (SALT, "4", "g"), (PEPPER, "0.5", "g"), (BOX22, "1", "unit"),
    ], {RESTAURANT: (2, 4, "unit")}),
    _product("Tarte fine tomates-pignons", "unit", "16.00", "savoury", "10", 2, [
        (T45, "120", "g"), (LAMINATING, "90", "g"), ("Tomates grappe", "400", "g"), ("Pignons de pin", "15", "g"),
        ("Parmesan Reggiano", "25", "g"), ("Huile d'olive vierge extra", "30", "ml"), ("Ail rose", "4", "g"),
        (SALT, "3", "g"), (PEPPER, "0.5", "g"), (BOX28, "1", "unit"),
    ], {RESTAURANT: (2, 4, "unit"), PARTICULIER: (1, 1, "unit")}),
    _product("Sandwich jambon-beurre", "unit", "5.20", "savoury", "1.5", 10, [
        (T65, "130", "g"), (SALT, "2.5", "g"), (YEAST, "1", "g"), (SALTED, "15", "g"),
        ("Jambon blanc supérieur", "70", "g"), ("Barquette sandwich kraft", "1", "unit"),
    ], {RESTAURANT: (10, 30, "unit")}),
    _product("Feuilleté chèvre-épinards", "unit", "4.50", "savoury", "2", 12, [
        (T45, "40", "g"), (LAMINATING, "30", "g"), ("Fromage de chèvre frais", "50", "g"),
        ("Épinards frais", "40", "g"),
        (EGGS, "0.2", "unit"), ("Crème fraîche épaisse", "20", "ml"), ("Oignons jaunes", "15", "g"), (SALT, "1", "g"),
        (PEPPER, "0.2", "g"),
    ], {RESTAURANT: (12, 24, "unit")}),
    _product("Gougères au comté", "kg", "32.00", "savoury", "40", 2, [
        (T55, "180", "g"), (BUTTER, "160", "g"), (EGGS, "8", "unit"), (MILK, "250", "ml"),
        ("Comté 18 mois", "220", "g"),
        (SALT, "6", "g"), (NUTMEG, "1", "g"), (PEPPER, "1", "g"),
    ], {RESTAURANT: (100, 300, "unit"), PARTICULIER: (300, 800, "g")},
       conversions=(((1, "unit"), (15, "g")),), comments="About 65 gougères to the kilo."),
    # Biscuits and cakes that keep
    _product("Madeleines au miel", "kg", "26.00", "biscuit", "45", 2, [
        (T55, "260", "g"), (BUTTER, "260", "g"), (SUGAR, "230", "g"), (EGGS, "5", "unit"),
        ("Miel de fleurs du Lyonnais", "40", "g"), ("Poudre à lever", "8", "g"), ("Citrons jaunes", "60", "g"),
        (SALT, "2", "g"),
    ], {EPICERIE: (2, 5, "kg"), PARTICULIER: (250, 750, "g")}, conversions=(((1, "unit"), (25, "g")),)),
    _product("Sablés bretons", "kg", "24.00", "biscuit", "40", 2, [
        (T55, "400", "g"), (SALTED, "320", "g"), (SUGAR, "250", "g"), ("Jaunes d'œufs liquides", "70", "ml"),
        ("Poudre à lever", "8", "g"), ("Fleur de sel de Guérande", "5", "g"),
    ], {EPICERIE: (2, 6, "kg"), PARTICULIER: (250, 500, "g")}, conversions=(((1, "unit"), (12, "g")),)),
    _product("Financier amande", "unit", "1.80", "biscuit", "0.8", 24, [
        (ALMOND_POWDER, "12", "g"), (ICING, "30", "g"), ("Blancs d'œufs liquides", "30", "ml"), (BUTTER, "25", "g"),
        (T55, "10", "g"), ("Miel de fleurs du Lyonnais", "2", "g"), ("Caissette papier plissée", "1", "unit"),
    ], {RESTAURANT: (20, 40, "unit"), EPICERIE: (24, 48, "unit")}),
    _product("Cannelé bordelais", "unit", "1.90", "biscuit", "1.0", 24, [
        (MILK, "50", "ml"), (SUGAR, "25", "g"), (T55, "10", "g"), ("Jaunes d'œufs liquides", "6", "ml"),
        (EGGS, "0.2", "unit"), (BUTTER, "5", "g"), ("Rhum ambré agricole", "4", "ml"), (VANILLA, "0.05", "unit"),
        ("Beurre de cacao", "1", "g"),
    ], {RESTAURANT: (20, 40, "unit"), PARTICULIER: (6, 12, "unit")}),
    _product("Cookie chocolat-noisette", "unit", "2.30", "biscuit", "0.6", 24, [
        (T55, "25", "g"), (BUTTER, "15", "g"), ("Cassonade", "15", "g"), (SUGAR, "5", "g"), (EGGS, "0.15", "unit"),
        ("Chocolat au lait 40 %", "12", "g"), ("Noisettes torréfiées", "8", "g"), ("Bicarbonate de soude", "0.3", "g"),
        (SALT, "0.3", "g"), ("Feuille de papier cuisson", "0.1", "unit"),
    ], {EPICERIE: (24, 48, "unit"), RESTAURANT: (20, 40, "unit")}),
    _product("Pain d'épices", "unit", "8.50", "biscuit", "6", 6, [
        ("Farine de seigle T130", "150", "g"), ("Miel de fleurs du Lyonnais", "170", "g"), (MILK, "80", "ml"),
        (EGGS, "1", "unit"), ("Bicarbonate de soude", "3", "g"), ("Cannelle de Ceylan moulue", "3", "g"),
        ("Anis étoilé", "1", "g"), ("Gingembre moulu", "2", "g"), (NUTMEG, "0.5", "g"),
        ("Écorces d'orange confites", "30", "g"),
    ], {EPICERIE: (6, 12, "unit")}, comments="Loaf of 400 g, keeps three weeks."),
    _product("Cake à l'orange", "unit", "12.00", "biscuit", "8", 6, [
        (T55, "200", "g"), (BUTTER, "150", "g"), (SUGAR, "180", "g"), (EGGS, "3", "unit"),
        ("Oranges à jus", "80", "ml"),
        ("Écorces d'orange confites", "60", "g"), ("Poudre à lever", "5", "g"), ("Grand Marnier", "15", "ml"),
        (ICING, "40", "g"),
    ], {EPICERIE: (4, 8, "unit"), PARTICULIER: (1, 1, "unit")}),
    _product("Banana bread aux noix de pécan", "unit", "11.00", "biscuit", "8", 6, [
        ("Bananes", "350", "g"), (T55, "220", "g"), ("Cassonade", "120", "g"), (BUTTER, "90", "g"), (EGGS, "2", "unit"),
        ("Noix de pécan", "60", "g"), ("Poudre à lever", "6", "g"), ("Cannelle de Ceylan moulue", "2", "g"),
        (SALT, "1", "g"),
    ], {EPICERIE: (3, 6, "unit")}),
    _product("Moelleux à la châtaigne", "unit", "18.00", "biscuit", "10", 2, [
        ("Farine de châtaigne", "80", "g"), ("Crème de marrons", "250", "g"), (BUTTER, "120", "g"), (EGGS, "3", "unit"),
        (SUGAR, "60", "g"), ("Chocolat noir 64 % pistoles", "80", "g"), (BOX22, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit"), EPICERIE: (2, 4, "unit")}),
    _product("Tarte au sucre", "unit", "14.00", "biscuit", "8", 2, [
        (T45, "200", "g"), (BUTTER, "80", "g"), (EGGS, "2", "unit"), ("Vergeoise brune", "120", "g"),
        ("Crème fraîche épaisse", "60", "ml"), (YEAST, "8", "g"), (MILK, "60", "ml"), (SALT, "3", "g"),
        (BOX28, "1", "unit"),
    ], {PARTICULIER: (1, 1, "unit"), EPICERIE: (2, 4, "unit")}),
    # Grocery: jars and bars for the delicatessens
    _product("Granola maison", "kg", "18.00", "grocery", "20", 5, [
        ("Flocons d'avoine", "550", "g"), ("Miel de fleurs du Lyonnais", "120", "g"),
        ("Huile de tournesol", "60", "ml"), ("Amandes entières", "100", "g"), ("Noisettes torréfiées", "60", "g"),
        ("Graines de tournesol", "40", "g"), ("Noix de coco râpée", "50", "g"), ("Cannelle de Ceylan moulue", "3", "g"),
        ("Raisins secs de Corinthe", "60", "g"),
        (JAR, "2.5", "unit"), (LABEL, "2.5", "unit"),
    ], {EPICERIE: (12, 24, "unit")}, conversions=(((1, "unit"), (400, "g")),), comments="Sold in jars of 400 g."),
    _product("Confiture d'abricots", "unit", "6.50", "grocery", "3", 24, [
        ("Abricots du Roussillon", "240", "g"), (SUGAR, "160", "g"), ("Citrons jaunes", "10", "ml"),
        ("Pectine NH", "2", "g"), (JAR, "1", "unit"), (LABEL, "1", "unit"),
    ], {EPICERIE: (12, 36, "unit"), PARTICULIER: (2, 4, "unit")}, comments="Jar of 370 g."),
    _product("Pâte à tartiner noisette", "unit", "9.50", "grocery", "3", 24, [
        ("Noisettes torréfiées", "130", "g"), ("Chocolat au lait 40 %", "80", "g"), (ICING, "60", "g"),
        ("Cacao en poudre", "15", "g"), ("Huile de tournesol", "25", "ml"), (JAR, "1", "unit"), (LABEL, "1", "unit"),
    ], {EPICERIE: (12, 24, "unit"), PARTICULIER: (1, 3, "unit")}),
    _product("Tablette noir grué-tonka", "unit", "7.50", "grocery", "2", 24, [
        ("Chocolat noir de couverture 70 %", "100", "g"), ("Grué de cacao", "8", "g"), ("Fève tonka", "0.3", "g"),
        ("Beurre de cacao", "2", "g"), (LABEL, "1", "unit"),
    ], {EPICERIE: (12, 30, "unit")}),
]

# --- Clients ---------------------------------------------------------------------------------------

# (name, contact person, client type, street address, city, region, has a web site)
AURA = "Auvergne-Rhône-Alpes"
CLIENTS = [
    ("Bistrot du Marché", "Olivier Perrot", RESTAURANT, "14 rue Mercière, 69002", "Lyon", AURA, True),
    ("Brasserie des Brotteaux", "Sabine Martin", RESTAURANT, "3 place Jules Ferry, 69006", "Lyon", AURA, True),
    ("Le Bouchon des Cordeliers", "Gilles Roux", RESTAURANT, "8 rue Grenette, 69002", "Lyon", AURA, False),
    ("Café de la Croix-Rousse", "Amélie Dupuis", RESTAURANT, "22 boulevard de la Croix-Rousse, 69004", "Lyon", AURA,
     False),
    ("Le Comptoir de la Saône", "Franck Delorme", RESTAURANT, "5 quai Saint-Vincent, 69001", "Lyon", AURA, True),
    ("La Table d'Ainay", "Nathalie Giraud", RESTAURANT, "11 rue d'Auvergne, 69002", "Lyon", AURA, True),
    ("Auberge du Mont d'Or", "Patrick Bonnard", RESTAURANT, "2 route de Limonest, 69370", "Saint-Didier-au-Mont-d'Or",
     AURA, True),
    ("Hôtel-restaurant Les Tilleuls", "Valérie Chapuis", RESTAURANT, "45 rue Nationale, 69400",
     "Villefranche-sur-Saône", AURA, True),
    ("Monplaisir Réceptions", "Éric Vincent", RESTAURANT, "90 avenue des Frères Lumière, 69008", "Lyon", AURA, True),
    ("La Guinguette de l'Île Barbe", "Laure Masson", RESTAURANT, "1 place Notre-Dame, 69009", "Lyon", AURA, False),
    ("Le Petit Ampère", "Romain Fabre", RESTAURANT, "17 rue Victor Hugo, 69002", "Lyon", AURA, False),
    ("Brasserie du Parc", "Cécile Morel", RESTAURANT, "60 cours Émile Zola, 69100", "Villeurbanne", AURA, True),
    ("Épicerie fine Maison Bourgeon", "Isabelle Bourgeon", EPICERIE, "27 rue Sala, 69002", "Lyon", AURA, True),
    ("La Cave et l'Épicerie d'Ainay", "Frédéric Lemoine", EPICERIE, "6 rue Vaubecour, 69002", "Lyon", AURA, True),
    ("Le Panier Vrac", "Anaïs Guillot", EPICERIE, "31 rue Francis de Pressensé, 69100", "Villeurbanne", AURA, True),
    ("Épicerie du Vieux Lyon", "Hervé Rey", EPICERIE, "9 rue du Bœuf, 69005", "Lyon", AURA, False),
    ("Les Saveurs du Pilat", "Christine Faure", EPICERIE, "12 place Jean Jaurès, 42000", "Saint-Étienne", AURA, True),
    ("Au Comptoir Savoyard", "Laurent Mugnier", EPICERIE, "4 rue Sainte-Claire, 74000", "Annecy", AURA, True),
    ("Épicerie Beaujolaise", "Martine Dubost", EPICERIE, "70 rue Nationale, 69400", "Villefranche-sur-Saône", AURA,
     False),
    ("Halles de Grenoble, stand Rey", "Julien Rey", EPICERIE, "Place Sainte-Claire, 38000", "Grenoble", AURA, False),
    ("L'Épicerie de Caluire", "Sophie Arnaud", EPICERIE, "15 grande rue de Saint-Clair, 69300", "Caluire-et-Cuire",
     AURA, True),
    ("Épicerie du Marais", "Thibault Lefort", EPICERIE, "38 rue de Turenne, 75003", "Paris", "Île-de-France", True),
    ("Sophie Bernard", "Sophie Bernard", PARTICULIER, "7 rue Dumenge, 69004", "Lyon", AURA, False),
    ("Thomas Dubois", "Thomas Dubois", PARTICULIER, "120 rue Garibaldi, 69006", "Lyon", AURA, False),
    ("Claire Lefèvre", "Claire Lefèvre", PARTICULIER, "3 chemin des Vignes, 69130", "Écully", AURA, False),
    ("Nicolas Girard", "Nicolas Girard", PARTICULIER, "18 avenue Berthelot, 69007", "Lyon", AURA, False),
    ("Émilie Roux", "Émilie Roux", PARTICULIER, "5 rue du Plat, 69002", "Lyon", AURA, False),
    ("Antoine Mercier", "Antoine Mercier", PARTICULIER, "42 rue de Marseille, 69007", "Lyon", AURA, False),
    ("Julie Blanc", "Julie Blanc", PARTICULIER, "9 place de la Mairie, 69300", "Caluire-et-Cuire", AURA, False),
    ("Pierre Faure", "Pierre Faure", PARTICULIER, "23 rue Carnot, 71000", "Mâcon", "Bourgogne-Franche-Comté", False),
    ("Léa Chevalier", "Léa Chevalier", PARTICULIER, "61 cours Gambetta, 69003", "Lyon", AURA, False),
    ("Hugo Lambert", "Hugo Lambert", PARTICULIER, "2 montée de la Grande-Côte, 69001", "Lyon", AURA, False),
    ("Manon Rousseau", "Manon Rousseau", PARTICULIER, "14 quai Riondet, 38200", "Vienne", AURA, False),
    ("Lucas Bonnet", "Lucas Bonnet", PARTICULIER, "30 rue Anatole France, 69100", "Villeurbanne", AURA, False),
    ("Chloé Fournier", "Chloé Fournier", PARTICULIER, "8 rue Notre-Dame, 01000", "Bourg-en-Bresse", AURA, False),
    ("Mathieu Garnier", "Mathieu Garnier", PARTICULIER, "51 avenue Jean Jaurès, 69007", "Lyon", AURA, False),
]

# How often each kind of client orders, in orders a week; what every client of a kind buys most (twice
# as often as anything else), and how many other products of its kind's list it buys too.
ORDER_RATE = {RESTAURANT: 0.8, EPICERIE: 0.45, PARTICULIER: 0.2}
STAPLES = {
    RESTAURANT: ["Baguette de tradition", "Pain de campagne au levain", "Croissant au beurre"],
    EPICERIE: ["Confiture d'abricots", "Sablés bretons"],
    PARTICULIER: [],
}
FAVOURITES = {RESTAURANT: (2, 5), EPICERIE: (2, 4), PARTICULIER: (2, 4)}
# Trade clients pay less than the shop's prices.
DISCOUNT = {RESTAURANT: "0.75", EPICERIE: "0.70", PARTICULIER: "1"}

# --- Hub catalogue: the workshop's general stock --------------------------------------------------

# category -> [(name, quantity, description, has an image)]
CATALOGUE = {
    "Petit matériel": [
        ("Poche à douille jetable (rouleau de 100)", 14, "Polyethylene, 53 cm.", True),
        ("Douille cannelée inox n° 8", 25, "", False),
        ("Cercle à tarte inox 22 cm", 18, "Height 2 cm.", True),
        ("Moule à cannelés cuivre", 48, "Tinned inside; season before first use.", True),
        ("Thermomètre sonde", 4, "-50 °C to 300 °C.", False),
        ("Corne de boulanger", 30, "", False),
    ],
    "Hygiène et tenues": [
        ("Gants nitrile, boîte de 100", 36, "Size M, food-safe.", False),
        ("Charlottes, paquet de 100", 20, "", False),
        ("Veste de pâtissier brodée", 12, "Embroidered with the workshop's name.", True),
        ("Tablier bavette lin", 16, "", False),
    ],
    "Arts de la table": [
        ("Présentoir à gâteaux sur pied", 6, "Lent for weddings and receptions.", True),
        ("Plateau ardoise 40 × 25 cm", 15, "For cocktail pieces.", False),
        ("Cloche en verre Ø 30 cm", 8, "", True),
        ("Pince à pâtisserie inox", 40, "", False),
    ],
    "Boutique": [
        ("Sac cabas en coton", 60, "Printed with the workshop's lamp.", True),
        ("Thé noir Earl Grey, boîte de 100 g", 24, "Resold from a tea house in Lyon.", False),
        ("Jus de pomme du Pilat, 1 l", 48, "From the Vergers du Pilat.", False),
        ("Carte cadeau 30 €", 100, "", True),
    ],
    "Événements": [
        ("Fontaine à chocolat", 2, "Lent with a 4 kg minimum order of chocolate.", True),
        ("Pièce montée: structure cône 80 cm", 3, "For croquembouches.", False),
        ("Bougies d'anniversaire, boîte de 24", 50, "", False),
    ],
}

# Who asks the hub for catalogue items: workshop teams and events.
HUB_CLIENTS = [
    "Atelier pâtisserie",
    "Atelier boulangerie",
    "Boutique Croix-Rousse",
    "Service traiteur",
    "Mariage Dubreuil (traiteur)",
    "Réception Monplaisir",
    "Salon Sirha (stand)",
    "Anniversaire Léa Chevalier",
]
