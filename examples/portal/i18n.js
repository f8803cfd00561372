// The page's own words in the person's language (the server translates its messages and errors;
// these are only the portal's labels). A missing word falls back to English.
const WORDS = {
  pl: {
    Dashboard: "Pulpit", Renewals: "Odnowienia", Invoices: "Faktury", Rewards: "Nagrody", Language: "Język",
    "Sign out": "Wyloguj", Welcome: "Witaj", Email: "E-mail", Organisation: "Organizacja", Roles: "Role",
    "Last sign-in": "Ostatnie logowanie", "Pending renewals": "Oczekujące odnowienia", "Renewal history": "Historia odnowień",
    "Future renewals": "Przyszłe odnowienia", "Shared with me": "Udostępnione mi", "Saved carts": "Zapisane koszyki",
    Orders: "Zamówienia", "Overdue invoices": "Zaległe faktury", "Open invoices": "Otwarte faktury",
    "Closed invoices": "Zamknięte faktury", "Rewards balance": "Saldo nagród", Save: "Zapisz", "Message center": "Centrum wiadomości", People: "Osoby",
  },
  ro: {
    Dashboard: "Tablou de bord", Renewals: "Reînnoiri", Invoices: "Facturi", Rewards: "Recompense", Language: "Limbă",
    "Sign out": "Deconectare", Welcome: "Bun venit", Email: "E-mail", Organisation: "Organizație", Roles: "Roluri",
    "Last sign-in": "Ultima autentificare", "Pending renewals": "Reînnoiri în așteptare", "Renewal history": "Istoricul reînnoirilor",
    "Future renewals": "Reînnoiri viitoare", "Shared with me": "Partajate cu mine", "Saved carts": "Coșuri salvate",
    Orders: "Comenzi", "Overdue invoices": "Facturi restante", "Open invoices": "Facturi deschise",
    "Closed invoices": "Facturi închise", "Rewards balance": "Sold recompense", Save: "Salvează", "Message center": "Centrul de mesaje", People: "Persoane",
  },
  de: {
    Dashboard: "Übersicht", Renewals: "Verlängerungen", Invoices: "Rechnungen", Rewards: "Prämien", Language: "Sprache",
    "Sign out": "Abmelden", Welcome: "Willkommen", Email: "E-Mail", Organisation: "Organisation", Roles: "Rollen",
    "Last sign-in": "Letzte Anmeldung", "Pending renewals": "Offene Verlängerungen", "Renewal history": "Verlängerungsverlauf",
    "Future renewals": "Künftige Verlängerungen", "Shared with me": "Mit mir geteilt", "Saved carts": "Gespeicherte Warenkörbe",
    Orders: "Bestellungen", "Overdue invoices": "Überfällige Rechnungen", "Open invoices": "Offene Rechnungen",
    "Closed invoices": "Bezahlte Rechnungen", "Rewards balance": "Prämienguthaben", Save: "Speichern", "Message center": "Nachrichten", People: "Personen",
  },
  ar: {
    Dashboard: "لوحة المعلومات", Renewals: "التجديدات", Invoices: "الفواتير", Rewards: "المكافآت", Language: "اللغة",
    "Sign out": "تسجيل الخروج", Welcome: "مرحبًا", Email: "البريد الإلكتروني", Organisation: "المؤسسة", Roles: "الأدوار",
    "Last sign-in": "آخر تسجيل دخول", "Pending renewals": "التجديدات المعلقة", "Renewal history": "سجل التجديدات",
    "Future renewals": "التجديدات المستقبلية", "Shared with me": "تمت مشاركتها معي", "Saved carts": "السلال المحفوظة",
    Orders: "الطلبات", "Overdue invoices": "الفواتير المتأخرة", "Open invoices": "الفواتير المفتوحة",
    "Closed invoices": "الفواتير المغلقة", "Rewards balance": "رصيد المكافآت", Save: "حفظ", "Message center": "مركز الرسائل", People: "الأشخاص",
  },
};

let current = "en";

export function setLanguage(locale) {
  current = locale in WORDS ? locale : "en";
}

export function t(text) {
  return WORDS[current]?.[text] ?? text;
}

/** Elements marked data-t="English words" (the static page) take their words in the language. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
}
