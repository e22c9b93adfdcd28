// Reference data for the demo customers: names, cities with real street/postal-code pairs, banks
// with their real bank codes and BICs, and the product catalogue with its prices (cents, net).

export type Country = "AT" | "DE";

export interface City {
  name: string;
  country: Country;
  /** Area code without the trunk prefix 0, as it appears in E.164. */
  areaCode: string;
  weight: number;
  /** Street and the postal code that street actually has. */
  streets: readonly (readonly [string, string])[];
}

export const CITIES: readonly City[] = [
  {
    name: "Wien",
    country: "AT",
    areaCode: "1",
    weight: 40,
    streets: [
      ["Mariahilfer Straße", "1060"],
      ["Neubaugasse", "1070"],
      ["Landstraßer Hauptstraße", "1030"],
      ["Wiedner Hauptstraße", "1040"],
      ["Praterstraße", "1020"],
      ["Favoritenstraße", "1100"],
      ["Währinger Straße", "1090"],
      ["Alser Straße", "1080"],
      ["Ottakringer Straße", "1160"],
      ["Taborstraße", "1020"],
      ["Rennweg", "1030"],
      ["Schottenring", "1010"],
      ["Heiligenstädter Straße", "1190"],
      ["Wagramer Straße", "1220"],
      ["Simmeringer Hauptstraße", "1110"],
      ["Brünner Straße", "1210"],
      ["Margaretenstraße", "1050"],
      ["Hietzinger Hauptstraße", "1130"],
      ["Linzer Straße", "1140"],
      ["Meidlinger Hauptstraße", "1120"],
    ],
  },
  {
    name: "Graz",
    country: "AT",
    areaCode: "316",
    weight: 12,
    streets: [
      ["Herrengasse", "8010"],
      ["Annenstraße", "8020"],
      ["Elisabethstraße", "8010"],
      ["Conrad-von-Hötzendorf-Straße", "8010"],
      ["Kärntner Straße", "8053"],
      ["Wiener Straße", "8051"],
      ["Leonhardstraße", "8010"],
      ["Plüddemanngasse", "8042"],
      ["Eggenberger Gürtel", "8020"],
      ["Liebenauer Hauptstraße", "8041"],
    ],
  },
  {
    name: "Linz",
    country: "AT",
    areaCode: "732",
    weight: 12,
    streets: [
      ["Landstraße", "4020"],
      ["Hauptstraße", "4040"],
      ["Wiener Straße", "4020"],
      ["Industriezeile", "4020"],
      ["Mozartstraße", "4020"],
      ["Freistädter Straße", "4040"],
      ["Dauphinestraße", "4030"],
      ["Leonfeldner Straße", "4040"],
      ["Wankmüllerhofstraße", "4020"],
    ],
  },
  {
    name: "Salzburg",
    country: "AT",
    areaCode: "662",
    weight: 10,
    streets: [
      ["Linzer Gasse", "5020"],
      ["Alpenstraße", "5020"],
      ["Ignaz-Harrer-Straße", "5020"],
      ["Sterneckstraße", "5020"],
      ["Münchner Bundesstraße", "5020"],
      ["Vogelweiderstraße", "5020"],
      ["Schallmooser Hauptstraße", "5020"],
      ["Innsbrucker Bundesstraße", "5020"],
    ],
  },
  {
    name: "Innsbruck",
    country: "AT",
    areaCode: "512",
    weight: 9,
    streets: [
      ["Maria-Theresien-Straße", "6020"],
      ["Museumstraße", "6020"],
      ["Amraser Straße", "6020"],
      ["Andechsstraße", "6020"],
      ["Reichenauer Straße", "6020"],
      ["Technikerstraße", "6020"],
      ["Mitterweg", "6020"],
      ["Grabenweg", "6020"],
    ],
  },
  {
    name: "Klagenfurt",
    country: "AT",
    areaCode: "463",
    weight: 7,
    streets: [
      ["Alter Platz", "9020"],
      ["Bahnhofstraße", "9020"],
      ["Völkermarkter Straße", "9020"],
      ["St. Veiter Straße", "9020"],
      ["Villacher Straße", "9020"],
      ["Lakeside-Park", "9020"],
      ["Feldkirchner Straße", "9020"],
    ],
  },
  {
    name: "St. Pölten",
    country: "AT",
    areaCode: "2742",
    weight: 5,
    streets: [
      ["Kremser Gasse", "3100"],
      ["Linzer Straße", "3100"],
      ["Wiener Straße", "3100"],
      ["Mariazeller Straße", "3100"],
      ["Herzogenburger Straße", "3100"],
      ["Porschestraße", "3100"],
    ],
  },
  {
    name: "Bregenz",
    country: "AT",
    areaCode: "5574",
    weight: 5,
    streets: [
      ["Kaiserstraße", "6900"],
      ["Rathausstraße", "6900"],
      ["Arlbergstraße", "6900"],
      ["Bahnhofstraße", "6900"],
      ["Rheinstraße", "6900"],
      ["Quellenstraße", "6900"],
    ],
  },
  {
    name: "Berlin",
    country: "DE",
    areaCode: "30",
    weight: 30,
    streets: [
      ["Friedrichstraße", "10117"],
      ["Kurfürstendamm", "10719"],
      ["Torstraße", "10119"],
      ["Karl-Marx-Allee", "10243"],
      ["Oranienstraße", "10999"],
      ["Schönhauser Allee", "10437"],
      ["Potsdamer Straße", "10785"],
      ["Frankfurter Allee", "10247"],
      ["Sonnenallee", "12047"],
      ["Invalidenstraße", "10115"],
      ["Prenzlauer Allee", "10405"],
      ["Kantstraße", "10623"],
    ],
  },
  {
    name: "München",
    country: "DE",
    areaCode: "89",
    weight: 20,
    streets: [
      ["Leopoldstraße", "80802"],
      ["Sendlinger Straße", "80331"],
      ["Landsberger Straße", "80687"],
      ["Rosenheimer Straße", "81669"],
      ["Lindwurmstraße", "80337"],
      ["Schleißheimer Straße", "80797"],
      ["Nymphenburger Straße", "80335"],
      ["Prinzregentenstraße", "81675"],
      ["Balanstraße", "81669"],
      ["Ingolstädter Straße", "80807"],
    ],
  },
  {
    name: "Hamburg",
    country: "DE",
    areaCode: "40",
    weight: 15,
    streets: [
      ["Mönckebergstraße", "20095"],
      ["Jungfernstieg", "20354"],
      ["Große Elbstraße", "22767"],
      ["Osterstraße", "20259"],
      ["Hammerbrookstraße", "20097"],
      ["Eppendorfer Landstraße", "20249"],
      ["Wandsbeker Chaussee", "22089"],
      ["Stresemannstraße", "22769"],
    ],
  },
  {
    name: "Köln",
    country: "DE",
    areaCode: "221",
    weight: 10,
    streets: [
      ["Hohe Straße", "50667"],
      ["Aachener Straße", "50674"],
      ["Venloer Straße", "50672"],
      ["Deutz-Mülheimer Straße", "51063"],
      ["Subbelrather Straße", "50823"],
      ["Bonner Straße", "50677"],
      ["Neusser Straße", "50670"],
    ],
  },
  {
    name: "Frankfurt am Main",
    country: "DE",
    areaCode: "69",
    weight: 10,
    streets: [
      ["Zeil", "60313"],
      ["Mainzer Landstraße", "60329"],
      ["Hanauer Landstraße", "60314"],
      ["Berger Straße", "60316"],
      ["Eschersheimer Landstraße", "60322"],
      ["Schweizer Straße", "60594"],
      ["Lyoner Straße", "60528"],
    ],
  },
  {
    name: "Stuttgart",
    country: "DE",
    areaCode: "711",
    weight: 8,
    streets: [
      ["Königstraße", "70173"],
      ["Rotebühlstraße", "70178"],
      ["Heilbronner Straße", "70191"],
      ["Neckarstraße", "70190"],
      ["Hauptstätter Straße", "70178"],
      ["Schwabstraße", "70197"],
      ["Pragstraße", "70376"],
    ],
  },
  {
    name: "Leipzig",
    country: "DE",
    areaCode: "341",
    weight: 4,
    streets: [
      ["Grimmaische Straße", "04109"],
      ["Karl-Liebknecht-Straße", "04275"],
      ["Eisenbahnstraße", "04315"],
      ["Prager Straße", "04317"],
      ["Jahnallee", "04109"],
      ["Georg-Schumann-Straße", "04159"],
    ],
  },
  {
    name: "Dresden",
    country: "DE",
    areaCode: "351",
    weight: 3,
    streets: [
      ["Prager Straße", "01069"],
      ["Königsbrücker Straße", "01099"],
      ["Bautzner Straße", "01099"],
      ["Budapester Straße", "01069"],
      ["Großenhainer Straße", "01127"],
      ["Schandauer Straße", "01277"],
    ],
  },
];

export const CITIES_BY_COUNTRY: Record<Country, readonly City[]> = {
  AT: CITIES.filter((c) => c.country === "AT"),
  DE: CITIES.filter((c) => c.country === "DE"),
};

/** Where colocated servers stand: the provider's own data centres, not the customer's office. */
export const DATA_CENTRES: Record<Country, { street: string; postalCode: string; city: string }> = {
  AT: { street: "Computerstraße 4", postalCode: "1100", city: "Wien" },
  DE: { street: "Hanauer Landstraße 298", postalCode: "60314", city: "Frankfurt am Main" },
};

export const MOBILE_PREFIXES: Record<Country, readonly string[]> = {
  AT: ["664", "676", "699", "650", "660", "681"],
  DE: ["151", "152", "160", "170", "171", "176"],
};

export const COUNTRY_CALLING_CODE: Record<Country, string> = { AT: "43", DE: "49" };

export const MALE_FIRST_NAMES = [
  "Thomas",
  "Michael",
  "Andreas",
  "Stefan",
  "Christian",
  "Markus",
  "Martin",
  "Alexander",
  "Daniel",
  "Florian",
  "Lukas",
  "Maximilian",
  "Tobias",
  "Johannes",
  "Wolfgang",
  "Gerhard",
  "Peter",
  "Josef",
  "Franz",
  "Georg",
  "Matthias",
  "Patrick",
  "Philipp",
  "Jan",
  "Felix",
  "Sebastian",
  "Bernhard",
  "Manfred",
  "Jürgen",
  "Klaus",
  "Dominik",
  "Julian",
  "David",
  "Simon",
  "Fabian",
  "Niklas",
  "Jonas",
  "Paul",
  "Elias",
  "Mehmet",
  "Goran",
  "Tomasz",
  "René",
  "Günther",
  "Helmut",
  "Rainer",
] as const;

export const FEMALE_FIRST_NAMES = [
  "Anna",
  "Maria",
  "Katharina",
  "Sabine",
  "Claudia",
  "Andrea",
  "Elisabeth",
  "Christina",
  "Julia",
  "Sandra",
  "Barbara",
  "Petra",
  "Monika",
  "Birgit",
  "Karin",
  "Martina",
  "Stefanie",
  "Lisa",
  "Sarah",
  "Laura",
  "Lena",
  "Sophie",
  "Hannah",
  "Johanna",
  "Theresa",
  "Magdalena",
  "Verena",
  "Nina",
  "Melanie",
  "Nicole",
  "Susanne",
  "Ulrike",
  "Jasmin",
  "Selin",
  "Ivana",
  "Katarzyna",
  "Renée",
  "Doris",
  "Gabriele",
  "Brigitte",
] as const;

export const AUSTRIAN_LAST_NAMES = [
  "Gruber",
  "Huber",
  "Bauer",
  "Wagner",
  "Pichler",
  "Steiner",
  "Moser",
  "Mayer",
  "Hofer",
  "Leitner",
  "Berger",
  "Fuchs",
  "Eder",
  "Fischer",
  "Schmid",
  "Winkler",
  "Weber",
  "Schwarz",
  "Maier",
  "Reiter",
  "Mayr",
  "Wimmer",
  "Egger",
  "Brunner",
  "Lang",
  "Baumgartner",
  "Auer",
  "Binder",
  "Lechner",
  "Wolf",
  "Wallner",
  "Aigner",
  "Ebner",
  "Koller",
  "Lehner",
  "Haas",
  "Schuster",
  "Holzer",
  "Strasser",
  "Pölzl",
  "Kofler",
  "Rainer",
  "Novak",
  "Horvath",
  "Kovačević",
  "Petrović",
  "Yılmaz",
];

export const GERMAN_LAST_NAMES = [
  "Müller",
  "Schmidt",
  "Schneider",
  "Fischer",
  "Weber",
  "Meyer",
  "Wagner",
  "Becker",
  "Schulz",
  "Hoffmann",
  "Schäfer",
  "Koch",
  "Bauer",
  "Richter",
  "Klein",
  "Wolf",
  "Schröder",
  "Neumann",
  "Schwarz",
  "Zimmermann",
  "Braun",
  "Krüger",
  "Hofmann",
  "Hartmann",
  "Lange",
  "Werner",
  "Krause",
  "Lehmann",
  "Köhler",
  "Kaiser",
  "Jäger",
  "Vogel",
  "Günther",
  "Frank",
  "Roth",
  "Beck",
  "Lorenz",
  "Böhm",
  "Weiß",
  "Huber",
  "Kowalski",
  "Nowak",
  "Yılmaz",
  "Öztürk",
  "Ahrens",
  "Brandt",
  "Dietrich",
];

/** Regions and rivers that businesses name themselves after. */
export const REGION_WORDS: Record<Country, readonly string[]> = {
  AT: [
    "Donau",
    "Alpen",
    "Tauern",
    "Wienerwald",
    "Salzach",
    "Inn",
    "Mur",
    "Drau",
    "Traun",
    "Bodensee",
    "Wachau",
    "Karawanken",
    "Dachstein",
    "Schneeberg",
    "Arlberg",
    "Semmering",
    "Mühlviertel",
  ],
  DE: [
    "Spree",
    "Elbe",
    "Isar",
    "Rhein",
    "Main",
    "Neckar",
    "Alster",
    "Havel",
    "Saale",
    "Taunus",
    "Harz",
    "Eifel",
    "Ostsee",
    "Nordsee",
    "Schwarzwald",
    "Weser",
    "Lausitz",
  ],
};

/** Invented brand stems ("Klarsicht Medien", "Datenhafen Consulting"). */
export const BRAND_WORDS = [
  "Klarsicht",
  "Datenhafen",
  "Brückenwerk",
  "Nordlicht",
  "Bergquell",
  "Weitblick",
  "Sonnenhof",
  "Lichtblick",
  "Feinschliff",
  "Grünraum",
  "Rundblick",
  "Wegweiser",
  "Bitwerk",
  "Netzwerk Süd",
  "Stadtkern",
  "Eckstein",
  "Leuchtturm",
  "Kompass",
  "Zeitsprung",
  "Morgenrot",
];

/** Lines of business, used as "<Surname> <Trade>" or "<Region> <Trade>". */
export const TRADES = [
  "Elektrotechnik",
  "Installationen",
  "Steuerberatung",
  "Architektur",
  "Bau",
  "Immobilien",
  "Logistik",
  "Transporte",
  "Consulting",
  "Software",
  "IT-Services",
  "Medien",
  "Werbeagentur",
  "Druck",
  "Zahntechnik",
  "Optik",
  "Gastronomie",
  "Reisen",
  "Versicherungsmakler",
  "Personalberatung",
  "Maschinenbau",
  "Metallbau",
  "Gartenbau",
  "Handel",
  "Physiotherapie",
  "Sanitär & Heizung",
  "Event & Catering",
  "Energietechnik",
  "Haustechnik",
  "Fensterbau",
];

/** Businesses named "<Trade> <Surname>", typical of sole traders and family firms. */
export const TRADE_PREFIXES = [
  "Tischlerei",
  "Bäckerei",
  "Autohaus",
  "Elektro",
  "Optik",
  "Druckerei",
  "Spedition",
  "Malerei",
  "Zahntechnik",
  "Reisebüro",
  "Installateur",
  "Gärtnerei",
  "Fleischerei",
  "Steuerkanzlei",
  "Fahrschule",
  "Hotel",
  "Weingut",
];

export const LEGAL_FORMS: Record<Country, readonly (readonly [string, number])[]> = {
  AT: [
    ["GmbH", 55],
    ["e.U.", 15],
    ["GmbH & Co. KG", 11],
    ["KG", 8],
    ["OG", 8],
    ["AG", 3],
  ],
  DE: [
    ["GmbH", 55],
    ["UG (haftungsbeschränkt)", 12],
    ["GmbH & Co. KG", 12],
    ["e.K.", 12],
    ["KG", 6],
    ["AG", 3],
  ],
};

export const PRIVATE_MAIL_DOMAINS: Record<Country, readonly string[]> = {
  AT: ["gmx.at", "aon.at", "a1.net", "chello.at", "gmail.com", "outlook.com"],
  DE: ["gmx.de", "web.de", "t-online.de", "posteo.de", "gmail.com", "outlook.de"],
};

export interface Bank {
  bankCode: string;
  bic: string;
}

/** Real bank codes and BICs so that demo IBANs look right to anyone who knows them. */
export const BANKS: Record<Country, readonly Bank[]> = {
  AT: [
    { bankCode: "20111", bic: "GIBAATWWXXX" }, // Erste Bank
    { bankCode: "12000", bic: "BKAUATWWXXX" }, // UniCredit Bank Austria
    { bankCode: "14000", bic: "BAWAATWWXXX" }, // BAWAG
    { bankCode: "32000", bic: "RLNWATWWXXX" }, // Raiffeisenlandesbank NÖ-Wien
    { bankCode: "34000", bic: "RZOOAT2LXXX" }, // Raiffeisenlandesbank OÖ
    { bankCode: "15000", bic: "OBKLAT2LXXX" }, // Oberbank
    { bankCode: "20815", bic: "STSPAT2GXXX" }, // Steiermärkische Sparkasse
    { bankCode: "36000", bic: "RZTIAT22XXX" }, // Raiffeisen-Landesbank Tirol
    { bankCode: "58000", bic: "HYPVAT2BXXX" }, // Hypo Vorarlberg
    { bankCode: "20404", bic: "SBGSAT2SXXX" }, // Salzburger Sparkasse
  ],
  DE: [
    { bankCode: "10070000", bic: "DEUTDEBBXXX" }, // Deutsche Bank Berlin
    { bankCode: "10040000", bic: "COBADEBBXXX" }, // Commerzbank Berlin
    { bankCode: "10050000", bic: "BELADEBEXXX" }, // Berliner Sparkasse
    { bankCode: "70150000", bic: "SSKMDEMMXXX" }, // Stadtsparkasse München
    { bankCode: "20050550", bic: "HASPDEHHXXX" }, // Hamburger Sparkasse
    { bankCode: "37050198", bic: "COLSDE33XXX" }, // Sparkasse KölnBonn
    { bankCode: "50050201", bic: "HELADEF1822" }, // Frankfurter Sparkasse
    { bankCode: "43060967", bic: "GENODEM1GLS" }, // GLS Bank
    { bankCode: "10010010", bic: "PBNKDEFFXXX" }, // Postbank
  ],
};

/** Phone-ordering limits as support staff would note them. */
export const CONTACT_RESTRICTIONS = [
  "Darf keine Verträge kündigen.",
  "Bestellungen nur bis 500 EUR netto.",
  "Bestellungen nur bis 1.000 EUR netto.",
  "Nur technische Auskünfte, keine Vertragsänderungen.",
  "Keine Änderungen an Rufnummern oder Portierungen.",
  "Darf keine neuen Produkte bestellen.",
  "Bestellungen nur nach Rücksprache mit der Geschäftsführung.",
  "Keine Auskünfte zu Rechnungen.",
];

export interface Plan {
  plan: string;
  priceAmount: number;
  specs: Record<string, unknown>;
}

export const HOSTING_PLANS: readonly Plan[] = [
  { plan: "Webhosting S", priceAmount: 990, specs: { diskGb: 10, mailboxes: 5 } },
  { plan: "Webhosting M", priceAmount: 2490, specs: { diskGb: 50, mailboxes: 25 } },
  { plan: "Webhosting L", priceAmount: 4990, specs: { diskGb: 200, mailboxes: 100 } },
];

export const SERVER_PLANS: readonly (Plan & { colocation: boolean })[] = [
  { plan: "vServer 4", priceAmount: 2990, specs: { cpuCores: 4, ramGb: 16, diskGb: 200 }, colocation: false },
  { plan: "vServer 8", priceAmount: 5990, specs: { cpuCores: 8, ramGb: 32, diskGb: 400 }, colocation: false },
  { plan: "Dedicated R640", priceAmount: 18900, specs: { cpuCores: 16, ramGb: 128, diskGb: 1920 }, colocation: false },
  { plan: "Colocation 1 HE", priceAmount: 8900, specs: { rackUnits: 1, powerWatts: 350, uplinkMbps: 1000 }, colocation: true },
];

export const VOIP_PLANS: readonly Plan[] = [
  { plan: "SIP Trunk 4", priceAmount: 1490, specs: { channels: 4 } },
  { plan: "SIP Trunk 10", priceAmount: 2990, specs: { channels: 10 } },
  { plan: "SIP Trunk 30", priceAmount: 6990, specs: { channels: 30 } },
];

export const LINE_PLANS: readonly Plan[] = [
  { plan: "VDSL 100/40", priceAmount: 4990, specs: { downMbps: 100, upMbps: 40, staticIps: 1 } },
  { plan: "Business Fiber 300/300", priceAmount: 14900, specs: { downMbps: 300, upMbps: 300, staticIps: 8 } },
  { plan: "Business Fiber 1000/500", priceAmount: 39900, specs: { downMbps: 1000, upMbps: 500, staticIps: 16 } },
];

export const MOBILE_PLANS: readonly Plan[] = [
  { plan: "Mobile Business M", priceAmount: 1990, specs: { dataGb: 20 } },
  { plan: "Mobile Business L", priceAmount: 2990, specs: { dataGb: 50 } },
  { plan: "Mobile Business XL", priceAmount: 3990, specs: { dataGb: 100 } },
];

/** Exchange is priced per mailbox. */
export const MAILBOX_PRICE = 450;
export const MAILBOX_COUNTS = [5, 10, 15, 25, 50] as const;

/** Yearly domain fees by top-level domain. */
export const DOMAIN_PRICES: Record<string, number> = { at: 1500, de: 1200, com: 1690, eu: 1390 };

/** One-time setup work booked as its own product. */
export const SETUP_PLANS = {
  WEB_HOSTING: { plan: "Website-Migration", priceAmount: 14900, specs: { hours: 2 } },
  SERVER: { plan: "Server-Einrichtung", priceAmount: 19900, specs: { hours: 3 } },
  MAIL: { plan: "Exchange-Migration", priceAmount: 9900, specs: { hours: 1 } },
} as const;

/** Hourly rate for on-site technicians, net. */
export const TECHNICIAN_HOURLY: Record<Country, number> = { AT: 9600, DE: 9900 };
/** Dunning fee per reminder. */
export const DUNNING_FEE: Record<Country, number> = { AT: 1000, DE: 500 };
/** Where the demo provider is (the default PROVIDER_COUNTRY): the VAT of the demo invoices follows from it. */
export const DEMO_SELLER_COUNTRY = "AT";
