// The page's own words in the person's language (the server translates its messages and errors;
// these are the portal's labels, headings, buttons, empty states and the graph's enum values).
//
// One line per English text (the key, also what English readers see), with every other language on
// that line: a word is added in one place, and a language that lacks it is seen at once (the
// browser tests fail on it, tests/browser/test_portal_journeys_chromium.py). Texts may hold
// {placeholders}, filled by t(text, {name: value}); a placeholder is never translated.
export const LANGUAGES = { en: "English", pl: "Polski", ro: "Română", de: "Deutsch", ar: "العربية" };

const WORDS = {
  // ---- navigation and the dashboard
  Dashboard: { pl: "Pulpit", ro: "Tablou de bord", de: "Übersicht", ar: "لوحة المعلومات" },
  Renewals: { pl: "Odnowienia", ro: "Reînnoiri", de: "Verlängerungen", ar: "التجديدات" },
  Invoices: { pl: "Faktury", ro: "Facturi", de: "Rechnungen", ar: "الفواتير" },
  Rewards: { pl: "Nagrody", ro: "Recompense", de: "Prämien", ar: "المكافآت" },
  Carts: { pl: "Koszyki", ro: "Coșuri", de: "Warenkörbe", ar: "السلال" },
  People: { pl: "Osoby", ro: "Persoane", de: "Personen", ar: "الأشخاص" },
  Language: { pl: "Język", ro: "Limbă", de: "Sprache", ar: "اللغة" },
  "Sign out": { pl: "Wyloguj", ro: "Deconectare", de: "Abmelden", ar: "تسجيل الخروج" },
  "Skip to content": { pl: "Przejdź do treści", ro: "Salt la conținut", de: "Zum Inhalt springen", ar: "انتقل إلى المحتوى" },
  Main: { pl: "Główne", ro: "Principal", de: "Hauptmenü", ar: "الرئيسية" },
  Lists: { pl: "Listy", ro: "Liste", de: "Listen", ar: "القوائم" },
  "Customer Center": { pl: "Centrum klienta", ro: "Centrul clienților", de: "Kundencenter", ar: "مركز العملاء" },
  "Loading…": { pl: "Wczytywanie…", ro: "Se încarcă…", de: "Wird geladen…", ar: "جارٍ التحميل…" },
  Welcome: { pl: "Witaj", ro: "Bun venit", de: "Willkommen", ar: "مرحبًا" },
  Email: { pl: "E-mail", ro: "E-mail", de: "E-Mail", ar: "البريد الإلكتروني" },
  Organisation: { pl: "Organizacja", ro: "Organizație", de: "Organisation", ar: "المؤسسة" },
  Roles: { pl: "Role", ro: "Roluri", de: "Rollen", ar: "الأدوار" },
  "Last sign-in": { pl: "Ostatnie logowanie", ro: "Ultima autentificare", de: "Letzte Anmeldung", ar: "آخر تسجيل دخول" },
  "Pending renewals": { pl: "Oczekujące odnowienia", ro: "Reînnoiri în așteptare", de: "Offene Verlängerungen", ar: "التجديدات المعلقة" },
  "Renewal history": { pl: "Historia odnowień", ro: "Istoricul reînnoirilor", de: "Verlängerungsverlauf", ar: "سجل التجديدات" },
  "Future renewals": { pl: "Przyszłe odnowienia", ro: "Reînnoiri viitoare", de: "Künftige Verlängerungen", ar: "التجديدات المستقبلية" },
  "Shared with me": { pl: "Udostępnione mi", ro: "Partajate cu mine", de: "Mit mir geteilt", ar: "تمت مشاركتها معي" },
  "Saved carts": { pl: "Zapisane koszyki", ro: "Coșuri salvate", de: "Gespeicherte Warenkörbe", ar: "السلال المحفوظة" },
  Orders: { pl: "Zamówienia", ro: "Comenzi", de: "Bestellungen", ar: "الطلبات" },
  "Overdue invoices": { pl: "Zaległe faktury", ro: "Facturi restante", de: "Überfällige Rechnungen", ar: "الفواتير المتأخرة" },
  "Open invoices": { pl: "Otwarte faktury", ro: "Facturi deschise", de: "Offene Rechnungen", ar: "الفواتير المفتوحة" },
  "Closed invoices": { pl: "Zamknięte faktury", ro: "Facturi închise", de: "Bezahlte Rechnungen", ar: "الفواتير المغلقة" },
  "Rewards balance": { pl: "Saldo nagród", ro: "Sold recompense", de: "Prämienguthaben", ar: "رصيد المكافآت" },
  "Message center": { pl: "Centrum wiadomości", ro: "Centrul de mesaje", de: "Nachrichten", ar: "مركز الرسائل" },
  Save: { pl: "Zapisz", ro: "Salvează", de: "Speichern", ar: "حفظ" },
  "Language: {name}": { pl: "Język: {name}", ro: "Limbă: {name}", de: "Sprache: {name}", ar: "اللغة: {name}" },

  // ---- sign-in
  "Sign in": { pl: "Zaloguj się", ro: "Autentificare", de: "Anmelden", ar: "تسجيل الدخول" },
  "Development: sign in as a demo person": { pl: "Tryb deweloperski: zaloguj się jako osoba demonstracyjna", ro: "Dezvoltare: autentificare ca persoană demo", de: "Entwicklung: als Demo-Person anmelden", ar: "التطوير: تسجيل الدخول كشخص تجريبي" },
  "Sign in with a token": { pl: "Zaloguj się tokenem", ro: "Autentificare cu un token", de: "Mit einem Token anmelden", ar: "تسجيل الدخول برمز" },
  "Paste the bearer token your organisation's sign-in (the vendor's identity provider) gave you. It is kept for this tab only.": {
    pl: "Wklej token okaziciela wydany przez logowanie Twojej organizacji (dostawcę tożsamości). Jest przechowywany tylko dla tej karty.",
    ro: "Lipiți tokenul de acces primit de la autentificarea organizației (furnizorul de identitate). Este păstrat doar pentru această filă.",
    de: "Fügen Sie das Bearer-Token ein, das Ihnen die Anmeldung Ihrer Organisation (der Identitätsanbieter) gegeben hat. Es gilt nur für diesen Tab.",
    ar: "الصق رمز الوصول الذي منحك إياه تسجيل الدخول في مؤسستك (مزوّد الهوية). يُحفظ لهذه العلامة فقط.",
  },
  "Bearer token": { pl: "Token okaziciela", ro: "Token de acces", de: "Bearer-Token", ar: "رمز الوصول" },
  "Sign-in failed": { pl: "Logowanie nie powiodło się", ro: "Autentificarea a eșuat", de: "Anmeldung fehlgeschlagen", ar: "فشل تسجيل الدخول" },
  "Something went wrong: {message}": { pl: "Coś poszło nie tak: {message}", ro: "Ceva nu a mers: {message}", de: "Etwas ist schiefgegangen: {message}", ar: "حدث خطأ: {message}" },

  // ---- what an error's extensions.code means, said before the server's own (translated) message
  "You may not do this.": { pl: "Nie masz do tego uprawnień.", ro: "Nu aveți permisiunea.", de: "Das dürfen Sie nicht.", ar: "غير مسموح لك بذلك." },
  "Not found.": { pl: "Nie znaleziono.", ro: "Nu a fost găsit.", de: "Nicht gefunden.", ar: "غير موجود." },
  "Please check what you entered.": { pl: "Sprawdź wprowadzone dane.", ro: "Verificați datele introduse.", de: "Bitte prüfen Sie Ihre Eingaben.", ar: "يرجى التحقق مما أدخلته." },
  "This changed meanwhile; reload and try again.": { pl: "W międzyczasie coś się zmieniło; odśwież i spróbuj ponownie.", ro: "S-a schimbat între timp; reîncărcați și încercați din nou.", de: "Das hat sich inzwischen geändert; neu laden und erneut versuchen.", ar: "تغيّر هذا في الأثناء؛ أعد التحميل وحاول مجددًا." },
  "Your sign-in has ended; sign in again.": { pl: "Sesja wygasła; zaloguj się ponownie.", ro: "Sesiunea a expirat; autentificați-vă din nou.", de: "Ihre Anmeldung ist abgelaufen; bitte erneut anmelden.", ar: "انتهت جلستك؛ سجّل الدخول مجددًا." },
  "Too many requests; try again in {seconds} s.": { pl: "Zbyt wiele żądań; spróbuj ponownie za {seconds} s.", ro: "Prea multe cereri; reîncercați peste {seconds} s.", de: "Zu viele Anfragen; in {seconds} s erneut versuchen.", ar: "طلبات كثيرة جدًا؛ حاول بعد {seconds} ث." },
  "Your organisation does not use this module.": { pl: "Twoja organizacja nie korzysta z tego modułu.", ro: "Organizația dvs. nu folosește acest modul.", de: "Ihre Organisation nutzt dieses Modul nicht.", ar: "مؤسستك لا تستخدم هذه الوحدة." },
  "Check the redemption code emailed to you.": { pl: "Sprawdź kod wykorzystania wysłany e-mailem.", ro: "Verificați codul de folosire primit pe e-mail.", de: "Prüfen Sie den per E-Mail erhaltenen Einlösecode.", ar: "تحقق من رمز الاستبدال المرسل إليك بالبريد." },
  "Redeeming is locked for now.": { pl: "Wykorzystywanie jest na razie zablokowane.", ro: "Folosirea este blocată deocamdată.", de: "Das Einlösen ist vorübergehend gesperrt.", ar: "الاستبدال مقفل حاليًا." },
  "Another payment method is needed.": { pl: "Potrzebna jest inna metoda płatności.", ro: "Este necesară altă metodă de plată.", de: "Eine andere Zahlungsart ist nötig.", ar: "يلزم استخدام طريقة دفع أخرى." },
  "Only addresses of your organisation's domains.": { pl: "Tylko adresy z domen Twojej organizacji.", ro: "Doar adrese din domeniile organizației dvs.", de: "Nur Adressen der Domains Ihrer Organisation.", ar: "فقط عناوين نطاقات مؤسستك." },
  "The server could not do this; try again later.": { pl: "Serwer nie mógł tego wykonać; spróbuj później.", ro: "Serverul nu a putut face acest lucru; încercați mai târziu.", de: "Der Server konnte das nicht ausführen; später erneut versuchen.", ar: "تعذّر على الخادم تنفيذ ذلك؛ حاول لاحقًا." },

  // ---- invoices: lists and detail
  Overdue: { pl: "Zaległe", ro: "Restante", de: "Überfällig", ar: "متأخرة" },
  Open: { pl: "Otwarte", ro: "Deschise", de: "Offen", ar: "مفتوحة" },
  Closed: { pl: "Zamknięte", ro: "Închise", de: "Bezahlt", ar: "مغلقة" },
  "Payment history": { pl: "Historia płatności", ro: "Istoricul plăților", de: "Zahlungsverlauf", ar: "سجل المدفوعات" },
  "Billing profile": { pl: "Profil rozliczeniowy", ro: "Profil de facturare", de: "Abrechnungsprofil", ar: "ملف الفوترة" },
  "Invoices CSV": { pl: "Faktury (CSV)", ro: "Facturi (CSV)", de: "Rechnungen (CSV)", ar: "الفواتير (CSV)" },
  "Payment history CSV": { pl: "Historia płatności (CSV)", ro: "Istoricul plăților (CSV)", de: "Zahlungsverlauf (CSV)", ar: "سجل المدفوعات (CSV)" },
  "Email me this list": { pl: "Wyślij mi tę listę e-mailem", ro: "Trimite-mi lista pe e-mail", de: "Diese Liste per E-Mail senden", ar: "أرسل لي هذه القائمة بالبريد" },
  "{count} invoices emailed to {to}": { pl: "Wysłano {count} faktur na {to}", ro: "{count} facturi trimise la {to}", de: "{count} Rechnungen an {to} gesendet", ar: "أُرسلت {count} فواتير إلى {to}" },
  "No invoices in this list.": { pl: "Brak faktur na tej liście.", ro: "Nicio factură în această listă.", de: "Keine Rechnungen in dieser Liste.", ar: "لا توجد فواتير في هذه القائمة." },
  Invoice: { pl: "Faktura", ro: "Factură", de: "Rechnung", ar: "الفاتورة" },
  "Invoice {number}": { pl: "Faktura {number}", ro: "Factura {number}", de: "Rechnung {number}", ar: "الفاتورة {number}" },
  Date: { pl: "Data", ro: "Data", de: "Datum", ar: "التاريخ" },
  Due: { pl: "Termin", ro: "Scadență", de: "Fällig", ar: "الاستحقاق" },
  PO: { pl: "Zamówienie (PO)", ro: "Comandă (PO)", de: "Bestellnr. (PO)", ar: "أمر الشراء" },
  "PO number": { pl: "Numer zamówienia (PO)", ro: "Număr comandă (PO)", de: "Bestellnummer (PO)", ar: "رقم أمر الشراء" },
  Total: { pl: "Razem", ro: "Total", de: "Gesamt", ar: "الإجمالي" },
  Balance: { pl: "Saldo", ro: "Sold", de: "Saldo", ar: "الرصيد" },
  Status: { pl: "Status", ro: "Stare", de: "Status", ar: "الحالة" },
  Paid: { pl: "Zapłacono", ro: "Plătit", de: "Bezahlt", ar: "المدفوع" },
  "Wires announced": { pl: "Zapowiedziane przelewy", ro: "Transferuri anunțate", de: "Angekündigte Überweisungen", ar: "الحوالات المعلنة" },
  "Invoice document": { pl: "Dokument faktury", ro: "Documentul facturii", de: "Rechnungsdokument", ar: "مستند الفاتورة" },
  PDF: { pl: "PDF", ro: "PDF", de: "PDF", ar: "PDF" },
  Lines: { pl: "Pozycje", ro: "Linii", de: "Positionen", ar: "البنود" },
  Position: { pl: "Poz.", ro: "Poz.", de: "Pos.", ar: "الرقم" },
  Description: { pl: "Opis", ro: "Descriere", de: "Beschreibung", ar: "الوصف" },
  Quantity: { pl: "Ilość", ro: "Cantitate", de: "Menge", ar: "الكمية" },
  Payments: { pl: "Płatności", ro: "Plăți", de: "Zahlungen", ar: "المدفوعات" },
  "No payments on this invoice yet.": { pl: "Brak płatności za tę fakturę.", ro: "Nicio plată pe această factură încă.", de: "Noch keine Zahlungen für diese Rechnung.", ar: "لا توجد مدفوعات على هذه الفاتورة بعد." },

  // ---- pay and dispute
  Pay: { pl: "Zapłać", ro: "Plătește", de: "Bezahlen", ar: "ادفع" },
  Method: { pl: "Metoda", ro: "Metodă", de: "Zahlungsart", ar: "الطريقة" },
  Amount: { pl: "Kwota", ro: "Sumă", de: "Betrag", ar: "المبلغ" },
  "Another card (token)": { pl: "Inna karta (token)", ro: "Alt card (token)", de: "Andere Karte (Token)", ar: "بطاقة أخرى (رمز)" },
  "Card token (another card)": { pl: "Token karty (inna karta)", ro: "Token card (alt card)", de: "Karten-Token (andere Karte)", ar: "رمز البطاقة (بطاقة أخرى)" },
  "Your payment reference": { pl: "Twój tytuł płatności", ro: "Referința plății dvs.", de: "Ihr Verwendungszweck", ar: "مرجع الدفع الخاص بك" },
  "Payment {number} failed: {reason}. Try another card or pay by wire.": { pl: "Płatność {number} nie powiodła się: {reason}. Spróbuj inną kartą lub przelewem.", ro: "Plata {number} a eșuat: {reason}. Încercați alt card sau plătiți prin transfer.", de: "Zahlung {number} fehlgeschlagen: {reason}. Versuchen Sie eine andere Karte oder eine Überweisung.", ar: "فشل الدفع {number}: {reason}. جرّب بطاقة أخرى أو ادفع بحوالة." },
  "Wire notice {number} recorded: {amount}. Send it citing invoice {invoice} (bank details on the invoice document).": {
    pl: "Zapisano zapowiedź przelewu {number}: {amount}. Wyślij go z numerem faktury {invoice} (dane banku w dokumencie faktury).",
    ro: "Anunțul de transfer {number} a fost înregistrat: {amount}. Trimiteți-l citând factura {invoice} (datele bancare pe documentul facturii).",
    de: "Überweisungsankündigung {number} erfasst: {amount}. Überweisen Sie mit Rechnung {invoice} im Verwendungszweck (Bankdaten im Rechnungsdokument).",
    ar: "سُجّل إشعار الحوالة {number}: {amount}. أرسلها مع ذكر الفاتورة {invoice} (البيانات المصرفية في مستند الفاتورة).",
  },
  "Payment {number}: {status}, {amount}. Balance now {balance}.": { pl: "Płatność {number}: {status}, {amount}. Saldo teraz {balance}.", ro: "Plata {number}: {status}, {amount}. Sold actual {balance}.", de: "Zahlung {number}: {status}, {amount}. Saldo jetzt {balance}.", ar: "الدفع {number}: {status}، {amount}. الرصيد الآن {balance}." },
  "card •••• {last4}": { pl: "karta •••• {last4}", ro: "card •••• {last4}", de: "Karte •••• {last4}", ar: "البطاقة •••• {last4}" },
  "Dispute this invoice": { pl: "Zgłoś spór dotyczący faktury", ro: "Contestă această factură", de: "Diese Rechnung beanstanden", ar: "اعترض على هذه الفاتورة" },
  Reason: { pl: "Powód", ro: "Motiv", de: "Grund", ar: "السبب" },
  "Open dispute": { pl: "Zgłoś spór", ro: "Deschide contestația", de: "Beanstandung einreichen", ar: "افتح اعتراضًا" },
  "Dispute {number}: {status}": { pl: "Spór {number}: {status}", ro: "Contestația {number}: {status}", de: "Beanstandung {number}: {status}", ar: "الاعتراض {number}: {status}" },

  // ---- payment history
  Payment: { pl: "Płatność", ro: "Plată", de: "Zahlung", ar: "الدفعة" },
  Reference: { pl: "Tytuł", ro: "Referință", de: "Referenz", ar: "المرجع" },
  "Paid for": { pl: "Za faktury", ro: "Pentru facturile", de: "Für Rechnungen", ar: "مقابل الفواتير" },
  "Arrives on {date}": { pl: "Wpłynie {date}", ro: "Sosește pe {date}", de: "Eingang am {date}", ar: "يصل في {date}" },
  "No payments yet.": { pl: "Brak płatności.", ro: "Nicio plată încă.", de: "Noch keine Zahlungen.", ar: "لا توجد مدفوعات بعد." },
  "Show more": { pl: "Pokaż więcej", ro: "Arată mai multe", de: "Mehr anzeigen", ar: "عرض المزيد" },
  "{shown} of {total}": { pl: "{shown} z {total}", ro: "{shown} din {total}", de: "{shown} von {total}", ar: "{shown} من {total}" },

  // ---- billing profile
  "Billing email": { pl: "E-mail do faktur", ro: "E-mail de facturare", de: "Rechnungs-E-Mail", ar: "بريد الفوترة" },
  "Account contacts (copied on every invoice)": { pl: "Kontakty konta (kopia każdej faktury)", ro: "Contactele contului (în copie la fiecare factură)", de: "Kontokontakte (erhalten jede Rechnung in Kopie)", ar: "جهات اتصال الحساب (نسخة من كل فاتورة)" },
  "Save contacts": { pl: "Zapisz kontakty", ro: "Salvează contactele", de: "Kontakte speichern", ar: "حفظ جهات الاتصال" },
  "Contacts saved.": { pl: "Kontakty zapisane.", ro: "Contactele au fost salvate.", de: "Kontakte gespeichert.", ar: "حُفظت جهات الاتصال." },
  "Payments due": { pl: "Należności", ro: "Plăți scadente", de: "Fällige Zahlungen", ar: "المدفوعات المستحقة" },
  Currency: { pl: "Waluta", ro: "Monedă", de: "Währung", ar: "العملة" },
  "Nothing is due.": { pl: "Nic nie jest należne.", ro: "Nimic nu este scadent.", de: "Nichts ist fällig.", ar: "لا شيء مستحق." },
  "Saved cards": { pl: "Zapisane karty", ro: "Carduri salvate", de: "Gespeicherte Karten", ar: "البطاقات المحفوظة" },
  Card: { pl: "Karta", ro: "Card", de: "Karte", ar: "البطاقة" },
  Number: { pl: "Numer", ro: "Număr", de: "Nummer", ar: "الرقم" },
  Expires: { pl: "Ważna do", ro: "Expiră", de: "Gültig bis", ar: "تنتهي" },
  Default: { pl: "Domyślna", ro: "Implicit", de: "Standard", ar: "الافتراضية" },
  Expired: { pl: "Wygasła", ro: "Expirat", de: "Abgelaufen", ar: "منتهية" },
  Remove: { pl: "Usuń", ro: "Elimină", de: "Entfernen", ar: "إزالة" },
  "Remove card {label}": { pl: "Usuń kartę {label}", ro: "Elimină cardul {label}", de: "Karte {label} entfernen", ar: "إزالة البطاقة {label}" },
  "No saved cards.": { pl: "Brak zapisanych kart.", ro: "Niciun card salvat.", de: "Keine gespeicherten Karten.", ar: "لا توجد بطاقات محفوظة." },
  "Add a card": { pl: "Dodaj kartę", ro: "Adaugă un card", de: "Karte hinzufügen", ar: "أضف بطاقة" },
  "Card token (from the payment gateway)": { pl: "Token karty (z bramki płatniczej)", ro: "Token card (de la procesatorul de plăți)", de: "Karten-Token (vom Zahlungsanbieter)", ar: "رمز البطاقة (من بوابة الدفع)" },
  "Expiry month": { pl: "Miesiąc ważności", ro: "Luna expirării", de: "Ablaufmonat", ar: "شهر الانتهاء" },
  "Expiry year": { pl: "Rok ważności", ro: "Anul expirării", de: "Ablaufjahr", ar: "سنة الانتهاء" },
  "Card name": { pl: "Nazwa karty", ro: "Numele cardului", de: "Kartenname", ar: "اسم البطاقة" },
  "Make it the default card": { pl: "Ustaw jako domyślną", ro: "Setează ca implicit", de: "Als Standardkarte verwenden", ar: "اجعلها البطاقة الافتراضية" },
  "Add card": { pl: "Dodaj kartę", ro: "Adaugă cardul", de: "Karte hinzufügen", ar: "إضافة البطاقة" },
  "Card saved.": { pl: "Karta zapisana.", ro: "Cardul a fost salvat.", de: "Karte gespeichert.", ar: "حُفظت البطاقة." },
  "Card removed.": { pl: "Karta usunięta.", ro: "Cardul a fost eliminat.", de: "Karte entfernt.", ar: "أُزيلت البطاقة." },
  Credits: { pl: "Środki", ro: "Credite", de: "Guthaben", ar: "الأرصدة الدائنة" },
  Credit: { pl: "Środki", ro: "Credit", de: "Gutschrift", ar: "رصيد دائن" },
  Source: { pl: "Źródło", ro: "Sursă", de: "Herkunft", ar: "المصدر" },
  Remaining: { pl: "Pozostało", ro: "Rămas", de: "Verbleibend", ar: "المتبقي" },
  "No open credits.": { pl: "Brak otwartych środków.", ro: "Niciun credit deschis.", de: "Kein offenes Guthaben.", ar: "لا توجد أرصدة دائنة مفتوحة." },
  Plans: { pl: "Plany", ro: "Planuri", de: "Verträge", ar: "الخطط" },
  Plan: { pl: "Plan", ro: "Plan", de: "Vertrag", ar: "الخطة" },
  Frequency: { pl: "Częstotliwość", ro: "Frecvență", de: "Abrechnungsrhythmus", ar: "التكرار" },
  Term: { pl: "Okres", ro: "Perioadă", de: "Laufzeit", ar: "المدة" },
  "{months} months": { pl: "{months} mies.", ro: "{months} luni", de: "{months} Monate", ar: "{months} شهرًا" },
  "Billing schedule": { pl: "Harmonogram rozliczeń", ro: "Calendarul facturării", de: "Abrechnungsplan", ar: "جدول الفوترة" },
  "Billing schedule of {plan}": { pl: "Harmonogram rozliczeń: {plan}", ro: "Calendarul facturării: {plan}", de: "Abrechnungsplan von {plan}", ar: "جدول فوترة {plan}" },
  "Schedule CSV": { pl: "Harmonogram (CSV)", ro: "Calendar (CSV)", de: "Abrechnungsplan (CSV)", ar: "الجدول (CSV)" },
  "Bill date": { pl: "Data wystawienia", ro: "Data facturării", de: "Rechnungsdatum", ar: "تاريخ الفوترة" },
  "Not issued yet": { pl: "Jeszcze nie wystawiona", ro: "Încă neemisă", de: "Noch nicht ausgestellt", ar: "لم تصدر بعد" },
  "No plans on the account.": { pl: "Brak planów na koncie.", ro: "Niciun plan în cont.", de: "Keine Verträge im Konto.", ar: "لا توجد خطط في الحساب." },
  "PO change requests": { pl: "Wnioski o zmianę PO", ro: "Cereri de schimbare PO", de: "PO-Änderungsanträge", ar: "طلبات تغيير أمر الشراء" },
  "No PO change requests.": { pl: "Brak wniosków o zmianę PO.", ro: "Nicio cerere de schimbare PO.", de: "Keine PO-Änderungsanträge.", ar: "لا توجد طلبات تغيير لأمر الشراء." },
  "Request a PO change on future invoices": { pl: "Poproś o zmianę PO na przyszłych fakturach", ro: "Cereți schimbarea PO pe facturile viitoare", de: "PO-Änderung für künftige Rechnungen beantragen", ar: "اطلب تغيير أمر الشراء في الفواتير القادمة" },
  "Invoice number": { pl: "Numer faktury", ro: "Numărul facturii", de: "Rechnungsnummer", ar: "رقم الفاتورة" },
  "New PO number": { pl: "Nowy numer PO", ro: "Noul număr PO", de: "Neue Bestellnummer (PO)", ar: "رقم أمر الشراء الجديد" },
  "Copy of the PO": { pl: "Kopia zamówienia (PO)", ro: "Copia comenzii (PO)", de: "Kopie der Bestellung (PO)", ar: "نسخة من أمر الشراء" },
  "Send request": { pl: "Wyślij wniosek", ro: "Trimite cererea", de: "Antrag senden", ar: "أرسل الطلب" },
  "PO change requested for invoice {invoice}.": { pl: "Złożono wniosek o zmianę PO dla faktury {invoice}.", ro: "S-a cerut schimbarea PO pentru factura {invoice}.", de: "PO-Änderung für Rechnung {invoice} beantragt.", ar: "طُلب تغيير أمر الشراء للفاتورة {invoice}." },
  Document: { pl: "Dokument", ro: "Document", de: "Dokument", ar: "المستند" },
  "Requested by": { pl: "Wnioskujący", ro: "Solicitat de", de: "Beantragt von", ar: "مقدم الطلب" },

  // ---- rewards
  "Balance {balance} · expiring in 30 days {expiring}": { pl: "Saldo {balance} · wygasa w ciągu 30 dni {expiring}", ro: "Sold {balance} · expiră în 30 de zile {expiring}", de: "Guthaben {balance} · verfällt in 30 Tagen {expiring}", ar: "الرصيد {balance} · ينتهي خلال 30 يومًا {expiring}" },
  Lots: { pl: "Transze", ro: "Loturi", de: "Tranchen", ar: "الدفعات" },
  Period: { pl: "Okres", ro: "Perioada", de: "Zeitraum", ar: "الفترة" },
  Deposited: { pl: "Przyznano", ro: "Depus", de: "Gutgeschrieben", ar: "تاريخ الإيداع" },
  "Expires on {date}": { pl: "Wygasa {date}", ro: "Expiră pe {date}", de: "Verfällt am {date}", ar: "ينتهي في {date}" },
  "No rewards yet.": { pl: "Brak nagród.", ro: "Nicio recompensă încă.", de: "Noch keine Prämien.", ar: "لا توجد مكافآت بعد." },
  Activity: { pl: "Aktywność", ro: "Activitate", de: "Aktivität", ar: "النشاط" },
  Kind: { pl: "Rodzaj", ro: "Tip", de: "Art", ar: "النوع" },
  "Balance after": { pl: "Saldo po", ro: "Sold după", de: "Saldo danach", ar: "الرصيد بعدها" },
  "No activity yet.": { pl: "Brak aktywności.", ro: "Nicio activitate încă.", de: "Noch keine Aktivität.", ar: "لا يوجد نشاط بعد." },
  "Redeem on an invoice": { pl: "Wykorzystaj na fakturze", ro: "Folosește pe o factură", de: "Auf eine Rechnung einlösen", ar: "استبدل على فاتورة" },
  "Up to {amount}": { pl: "Do {amount}", ro: "Până la {amount}", de: "Bis zu {amount}", ar: "حتى {amount}" },
  "Redemption code (emailed to you)": { pl: "Kod wykorzystania (wysłany e-mailem)", ro: "Cod de folosire (primit pe e-mail)", de: "Einlösecode (per E-Mail erhalten)", ar: "رمز الاستبدال (أُرسل إليك بالبريد)" },
  Redeem: { pl: "Wykorzystaj", ro: "Folosește", de: "Einlösen", ar: "استبدل" },
  "Redeemed {amount}; balance {balance}": { pl: "Wykorzystano {amount}; saldo {balance}", ro: "S-au folosit {amount}; sold {balance}", de: "{amount} eingelöst; Guthaben {balance}", ar: "تم استبدال {amount}؛ الرصيد {balance}" },

  // ---- people and the billing dashboard
  Name: { pl: "Imię i nazwisko", ro: "Nume", de: "Name", ar: "الاسم" },
  "Invite a colleague": { pl: "Zaproś współpracownika", ro: "Invită un coleg", de: "Kollegen einladen", ar: "ادعُ زميلًا" },
  "First name": { pl: "Imię", ro: "Prenume", de: "Vorname", ar: "الاسم الأول" },
  "Last name": { pl: "Nazwisko", ro: "Nume de familie", de: "Nachname", ar: "اسم العائلة" },
  Role: { pl: "Rola", ro: "Rol", de: "Rolle", ar: "الدور" },
  "Role of {email}": { pl: "Rola {email}", ro: "Rolul lui {email}", de: "Rolle von {email}", ar: "دور {email}" },
  Invite: { pl: "Zaproś", ro: "Invită", de: "Einladen", ar: "دعوة" },
  "Change role": { pl: "Zmień rolę", ro: "Schimbă rolul", de: "Rolle ändern", ar: "غيّر الدور" },
  "Change the role of {email}": { pl: "Zmień rolę {email}", ro: "Schimbă rolul lui {email}", de: "Rolle von {email} ändern", ar: "غيّر دور {email}" },
  "Remove {email}": { pl: "Usuń {email}", ro: "Elimină {email}", de: "{email} entfernen", ar: "إزالة {email}" },
  Actions: { pl: "Działania", ro: "Acțiuni", de: "Aktionen", ar: "الإجراءات" },
  "Share the billing dashboard": { pl: "Udostępnij pulpit rozliczeń", ro: "Partajează tabloul de facturare", de: "Abrechnungsübersicht teilen", ar: "شارك لوحة الفوترة" },
  "Colleagues' emails": { pl: "E-maile współpracowników", ro: "E-mailurile colegilor", de: "E-Mail-Adressen der Kollegen", ar: "عناوين بريد الزملاء" },
  Share: { pl: "Udostępnij", ro: "Partajează", de: "Teilen", ar: "مشاركة" },
  Revoke: { pl: "Cofnij", ro: "Revocă", de: "Widerrufen", ar: "إلغاء" },
  "Revoke {email}": { pl: "Cofnij dostęp {email}", ro: "Revocă accesul lui {email}", de: "Zugriff von {email} widerrufen", ar: "إلغاء وصول {email}" },
  "Nobody else sees the billing dashboard.": { pl: "Nikt inny nie widzi pulpitu rozliczeń.", ro: "Nimeni altcineva nu vede tabloul de facturare.", de: "Niemand sonst sieht die Abrechnungsübersicht.", ar: "لا أحد غيرك يرى لوحة الفوترة." },

  // ---- renewals: lists, detail, multi-year, quote-to, carts, checkout, order, exports (pages/renewals.js, download.js)
  "(active)": { pl: "(bieżący)", ro: "(activ)", de: "(aktuell)", ar: "(الحالية)" },
  "(multi-year)": { pl: "(wieloletnie)", ro: "(multianual)", de: "(mehrjährig)", ar: "(متعدد السنوات)" },
  "(save up to {amount})": { pl: "(oszczędność do {amount})", ro: "(economisiți până la {amount})", de: "(Ersparnis bis zu {amount})", ar: "(وفّر حتى {amount})" },
  "Accept multi-year renewal · {amount}": { pl: "Akceptuj odnowienie wieloletnie · {amount}", ro: "Acceptă reînnoirea multianuală · {amount}", de: "Mehrjährige Verlängerung annehmen · {amount}", ar: "قبول التجديد متعدد السنوات · {amount}" },
  "Accept the multi-year quote {sn}": { pl: "Akceptacja oferty wieloletniej {sn}", ro: "Acceptați oferta multianuală {sn}", de: "Mehrjahresangebot {sn} annehmen", ar: "قبول عرض السعر متعدد السنوات {sn}" },
  "Active cart": { pl: "Bieżący koszyk", ro: "Coșul activ", de: "Aktueller Warenkorb", ar: "السلة الحالية" },
  "Add to cart": { pl: "Dodaj do koszyka", ro: "Adaugă în coș", de: "In den Warenkorb", ar: "أضف إلى السلة" },
  "Added {sn} to your cart ({count} in it)": { pl: "Dodano {sn} do koszyka (pozycji: {count})", ro: "{sn} a fost adăugat în coș ({count} în coș)", de: "{sn} zum Warenkorb hinzugefügt ({count} darin)", ar: "أُضيف {sn} إلى سلتك (فيها {count})" },
  Address: { pl: "Adres", ro: "Adresă", de: "Adresse", ar: "العنوان" },
  AutoRenew: { pl: "Automatyczne odnawianie", ro: "Reînnoire automată", de: "Automatische Verlängerung", ar: "التجديد التلقائي" },
  "AutoRenew off": { pl: "Automatyczne odnawianie wyłączone", ro: "Reînnoire automată dezactivată", de: "Automatische Verlängerung aus", ar: "التجديد التلقائي غير مفعّل" },
  "AutoRenew on": { pl: "Automatyczne odnawianie włączone", ro: "Reînnoire automată activată", de: "Automatische Verlängerung an", ar: "التجديد التلقائي مفعّل" },
  "Bill-to address": { pl: "Adres płatnika", ro: "Adresa plătitorului", de: "Adresse des Rechnungsempfängers", ar: "عنوان جهة الفوترة" },
  "Bill-to email": { pl: "E-mail płatnika", ro: "E-mailul plătitorului", de: "E-Mail des Rechnungsempfängers", ar: "بريد جهة الفوترة" },
  "Bill-to name": { pl: "Nazwa płatnika", ro: "Numele plătitorului", de: "Name des Rechnungsempfängers", ar: "اسم جهة الفوترة" },
  Billing: { pl: "Rozliczenia", ro: "Facturare", de: "Rechnungsstellung", ar: "الفوترة" },
  "Cart name": { pl: "Nazwa koszyka", ro: "Numele coșului", de: "Name des Warenkorbs", ar: "اسم السلة" },
  "Cart saved as {name}": { pl: "Zapisano koszyk jako {name}", ro: "Coșul a fost salvat ca {name}", de: "Warenkorb gespeichert als {name}", ar: "حُفظت السلة باسم {name}" },
  "Changes lock on": { pl: "Zmiany blokowane od", ro: "Modificările se blochează la", de: "Änderungen gesperrt ab", ar: "تُقفل التغييرات في" },
  "Check out": { pl: "Do kasy", ro: "Finalizează comanda", de: "Zur Kasse", ar: "إتمام الطلب" },
  "Check out this cart": { pl: "Zamów ten koszyk", ro: "Finalizează acest coș", de: "Diesen Warenkorb bestellen", ar: "إتمام طلب هذه السلة" },
  Checkout: { pl: "Zamówienie", ro: "Finalizare comandă", de: "Kasse", ar: "إتمام الطلب" },
  "Checkout {sn}": { pl: "Zamówienie {sn}", ro: "Finalizare comandă {sn}", de: "Kasse {sn}", ar: "إتمام طلب {sn}" },
  "Checkout: cart {name}": { pl: "Zamówienie: koszyk {name}", ro: "Finalizare comandă: coșul {name}", de: "Kasse: Warenkorb {name}", ar: "إتمام الطلب: السلة {name}" },
  Customer: { pl: "Klient", ro: "Client", de: "Kunde", ar: "العميل" },
  "Customer reference": { pl: "Numer referencyjny klienta", ro: "Referința clientului", de: "Kundenreferenz", ar: "مرجع العميل" },
  "Customer reference saved: {reference}": { pl: "Zapisano numer referencyjny: {reference}", ro: "Referința a fost salvată: {reference}", de: "Kundenreferenz gespeichert: {reference}", ar: "حُفظ مرجع العميل: {reference}" },
  Delete: { pl: "Usuń", ro: "Șterge", de: "Löschen", ar: "حذف" },
  "Detailed report": { pl: "Raport szczegółowy", ro: "Raport detaliat", de: "Detailbericht", ar: "تقرير مفصل" },
  "Download CSV": { pl: "Pobierz CSV", ro: "Descarcă CSV", de: "CSV herunterladen", ar: "تنزيل CSV" },
  "Email (of your organisation)": { pl: "E-mail (w domenie Twojej organizacji)", ro: "E-mail (al organizației dvs.)", de: "E-Mail (Ihrer Organisation)", ar: "البريد الإلكتروني (لمؤسستك)" },
  End: { pl: "Koniec", ro: "Sfârșit", de: "Ende", ar: "النهاية" },
  "End user": { pl: "Użytkownik końcowy", ro: "Utilizator final", de: "Endkunde", ar: "المستخدم النهائي" },
  Filter: { pl: "Filtruj", ro: "Filtrează", de: "Filtern", ar: "تصفية" },
  Future: { pl: "Przyszłe", ro: "Viitoare", de: "Künftig", ar: "المستقبلية" },
  History: { pl: "Historia", ro: "Istoric", de: "Verlauf", ar: "السجل" },
  "I accept the Terms and Conditions": { pl: "Akceptuję Regulamin", ro: "Accept Termenii și condițiile", de: "Ich akzeptiere die Geschäftsbedingungen", ar: "أوافق على الشروط والأحكام" },
  "I accept the technical support service agreement (first renewal)": { pl: "Akceptuję umowę o usługach wsparcia technicznego (pierwsze odnowienie)", ro: "Accept acordul de servicii de suport tehnic (prima reînnoire)", de: "Ich akzeptiere den Vertrag über technische Supportleistungen (erste Verlängerung)", ar: "أوافق على اتفاقية خدمة الدعم الفني (التجديد الأول)" },
  "Locked since {date}": { pl: "Zablokowane od {date}", ro: "Blocat din {date}", de: "Gesperrt seit {date}", ar: "مقفل منذ {date}" },
  "Make active": { pl: "Ustaw jako bieżący", ro: "Fă-l activ", de: "Aktivieren", ar: "اجعلها الحالية" },
  Message: { pl: "Wiadomość", ro: "Mesaj", de: "Nachricht", ar: "الرسالة" },
  "Message to your sales representative": { pl: "Wiadomość do przedstawiciela handlowego", ro: "Mesaj pentru reprezentantul de vânzări", de: "Nachricht an Ihren Vertriebsmitarbeiter", ar: "رسالة إلى مندوب المبيعات" },
  "Multi-year": { pl: "Wieloletnie", ro: "Multianual", de: "Mehrjährig", ar: "متعدد السنوات" },
  "Multi-year quote": { pl: "Oferta wieloletnia", ro: "Ofertă multianuală", de: "Mehrjahresangebot", ar: "عرض سعر متعدد السنوات" },
  "Multi-year quote requested: your sales representative was told.": { pl: "Poproszono o ofertę wieloletnią: przedstawiciel handlowy został powiadomiony.", ro: "Oferta multianuală a fost solicitată: reprezentantul de vânzări a fost anunțat.", de: "Mehrjahresangebot angefordert: Ihr Vertriebsmitarbeiter wurde benachrichtigt.", ar: "طُلب عرض سعر متعدد السنوات: أُبلغ مندوب المبيعات." },
  "Multi-year quote requested: your sales representative will prepare it.": { pl: "Poproszono o ofertę wieloletnią: przygotuje ją przedstawiciel handlowy.", ro: "Oferta multianuală a fost solicitată: reprezentantul de vânzări o va pregăti.", de: "Mehrjahresangebot angefordert: Ihr Vertriebsmitarbeiter erstellt es.", ar: "طُلب عرض سعر متعدد السنوات: سيُعدّه مندوب المبيعات." },
  "Multi-year: save up to {amount}": { pl: "Wieloletnie: oszczędź do {amount}", ro: "Multianual: economisiți până la {amount}", de: "Mehrjährig: sparen Sie bis zu {amount}", ar: "متعدد السنوات: وفّر حتى {amount}" },
  "No saved carts.": { pl: "Brak zapisanych koszyków.", ro: "Niciun coș salvat.", de: "Keine gespeicherten Warenkörbe.", ar: "لا توجد سلال محفوظة." },
  "Nothing to check out": { pl: "Nie ma czego zamówić", ro: "Nimic de comandat", de: "Nichts zu bestellen", ar: "لا يوجد ما يُطلب" },
  "Order confirmed": { pl: "Zamówienie potwierdzone", ro: "Comandă confirmată", de: "Bestellung bestätigt", ar: "تم تأكيد الطلب" },
  "Order {number} placed {date}: {total} by {method}": { pl: "Zamówienie {number} złożone {date}: {total}, płatność: {method}", ro: "Comanda {number} plasată la {date}: {total} prin {method}", de: "Bestellung {number} vom {date}: {total} per {method}", ar: "الطلب {number} بتاريخ {date}: {total} عبر {method}" },
  "Ordering document": { pl: "Dokument zamówienia", ro: "Document de comandă", de: "Bestelldokument", ar: "مستند الطلب" },
  "Payment (offered for {customer})": { pl: "Płatność (dostępna dla: {customer})", ro: "Plată (oferită pentru {customer})", de: "Zahlung (angeboten für {customer})", ar: "الدفع (المتاح لـ {customer})" },
  "Payment method": { pl: "Metoda płatności", ro: "Metodă de plată", de: "Zahlungsart", ar: "طريقة الدفع" },
  Phone: { pl: "Telefon", ro: "Telefon", de: "Telefon", ar: "الهاتف" },
  "Place order · {amount}": { pl: "Złóż zamówienie · {amount}", ro: "Plasează comanda · {amount}", de: "Bestellen · {amount}", ar: "تقديم الطلب · {amount}" },
  "Purchase order (must match the billing details)": { pl: "Zamówienie zakupu (musi zgadzać się z danymi rozliczeniowymi)", ro: "Comandă de achiziție (trebuie să corespundă datelor de facturare)", de: "Bestellung (muss mit den Rechnungsdaten übereinstimmen)", ar: "أمر الشراء (يجب أن يطابق بيانات الفوترة)" },
  Quote: { pl: "Oferta", ro: "Ofertă", de: "Angebot", ar: "عرض السعر" },
  "Quote-to contact": { pl: "Adresat oferty", ro: "Destinatarul ofertei", de: "Angebotsempfänger", ar: "جهة اتصال عرض السعر" },
  "Quote-to of {sn} is now {email}": { pl: "Adresatem oferty {sn} jest teraz {email}", ro: "Destinatarul ofertei {sn} este acum {email}", de: "Angebotsempfänger von {sn} ist jetzt {email}", ar: "جهة اتصال عرض السعر {sn} الآن {email}" },
  "Remove {sn} from the cart": { pl: "Usuń {sn} z koszyka", ro: "Elimină {sn} din coș", de: "{sn} aus dem Warenkorb entfernen", ar: "أزل {sn} من السلة" },
  "Removed {sn}": { pl: "Usunięto {sn}", ro: "{sn} a fost eliminat", de: "{sn} entfernt", ar: "أُزيل {sn}" },
  "Renew automatically": { pl: "Odnawiaj automatycznie", ro: "Reînnoiește automat", de: "Automatisch verlängern", ar: "التجديد تلقائيًا" },
  "Renewal {sn}": { pl: "Odnowienie {sn}", ro: "Reînnoirea {sn}", de: "Verlängerung {sn}", ar: "التجديد {sn}" },
  "Request a multi-year quote": { pl: "Poproś o ofertę wieloletnią", ro: "Solicitați o ofertă multianuală", de: "Mehrjahresangebot anfordern", ar: "طلب عرض سعر متعدد السنوات" },
  "Request assistance": { pl: "Poproś o pomoc", ro: "Solicitați asistență", de: "Hilfe anfordern", ar: "طلب المساعدة" },
  "Request multi-year quote": { pl: "Poproś o ofertę", ro: "Solicită oferta", de: "Angebot anfordern", ar: "اطلب عرض السعر" },
  Requests: { pl: "Zgłoszenia", ro: "Solicitări", de: "Anfragen", ar: "الطلبات المقدمة" },
  "Review and accept the multi-year quote": { pl: "Przejrzyj i zaakceptuj ofertę wieloletnią", ro: "Revizuiți și acceptați oferta multianuală", de: "Mehrjahresangebot prüfen und annehmen", ar: "مراجعة عرض السعر متعدد السنوات وقبوله" },
  "Save AutoRenew": { pl: "Zapisz automatyczne odnawianie", ro: "Salvează reînnoirea automată", de: "Automatische Verlängerung speichern", ar: "حفظ التجديد التلقائي" },
  "Save cart": { pl: "Zapisz koszyk", ro: "Salvează coșul", de: "Warenkorb speichern", ar: "حفظ السلة" },
  "Save reference": { pl: "Zapisz numer", ro: "Salvează referința", de: "Referenz speichern", ar: "حفظ المرجع" },
  "Save this cart": { pl: "Zapisz ten koszyk", ro: "Salvează acest coș", de: "Diesen Warenkorb speichern", ar: "احفظ هذه السلة" },
  "Save up to {amount}": { pl: "Oszczędź do {amount}", ro: "Economisiți până la {amount}", de: "Sparen Sie bis zu {amount}", ar: "وفّر حتى {amount}" },
  Search: { pl: "Szukaj", ro: "Căutare", de: "Suche", ar: "بحث" },
  "Service level": { pl: "Poziom usług", ro: "Nivel de servicii", de: "Servicelevel", ar: "مستوى الخدمة" },
  "Share with (emails of your organisation)": { pl: "Udostępnij (adresy e-mail Twojej organizacji)", ro: "Partajați cu (e-mailuri ale organizației dvs.)", de: "Teilen mit (E-Mail-Adressen Ihrer Organisation)", ar: "مشاركة مع (عناوين بريد مؤسستك)" },
  "Shared with": { pl: "Udostępniono", ro: "Partajat cu", de: "Geteilt mit", ar: "تمت المشاركة مع" },
  Sharing: { pl: "Udostępnianie", ro: "Partajare", de: "Freigabe", ar: "المشاركة" },
  Start: { pl: "Początek", ro: "Început", de: "Beginn", ar: "البداية" },
  "Summary report": { pl: "Raport zbiorczy", ro: "Raport sumar", de: "Zusammenfassung", ar: "تقرير موجز" },
  "Support number": { pl: "Numer wsparcia", ro: "Număr de suport", de: "Supportnummer", ar: "رقم الدعم" },
  "Update quote-to": { pl: "Zmień adresata", ro: "Actualizează destinatarul", de: "Empfänger ändern", ar: "تحديث جهة الاتصال" },
  "You can change this until {date}": { pl: "Możesz to zmienić do {date}", ro: "Puteți modifica până la {date}", de: "Änderbar bis {date}", ar: "يمكنك تغيير هذا حتى {date}" },
  "Your cart is empty: add pending renewals from their page.": { pl: "Koszyk jest pusty: dodaj oczekujące odnowienia z ich stron.", ro: "Coșul este gol: adăugați reînnoiri în așteptare din pagina lor.", de: "Ihr Warenkorb ist leer: Fügen Sie offene Verlängerungen auf deren Seite hinzu.", ar: "سلتك فارغة: أضف التجديدات المعلقة من صفحاتها." },
  "Your reference (for your own tracking)": { pl: "Twój numer referencyjny (do własnej ewidencji)", ro: "Referința dvs. (pentru evidența proprie)", de: "Ihre Referenz (für Ihre eigene Nachverfolgung)", ar: "مرجعك (لمتابعتك الخاصة)" },
  "Your request was sent to your sales representative.": { pl: "Prośba została wysłana do przedstawiciela handlowego.", ro: "Solicitarea a fost trimisă reprezentantului de vânzări.", de: "Ihre Anfrage wurde an Ihren Vertriebsmitarbeiter gesendet.", ar: "أُرسل طلبك إلى مندوب المبيعات." },
  off: { pl: "wyłączone", ro: "dezactivată", de: "aus", ar: "غير مفعّل" },
  "on ({method})": { pl: "włączone ({method})", ro: "activată ({method})", de: "an ({method})", ar: "مفعّل ({method})" },
  "{amount} for {years} years": { pl: "{amount} za {years} lata", ro: "{amount} pentru {years} ani", de: "{amount} für {years} Jahre", ar: "{amount} لمدة {years} سنوات" },
  "{count} characters left": { pl: "Pozostało znaków: {count}", ro: "{count} caractere rămase", de: "Noch {count} Zeichen", ar: "متبقٍ {count} حرفًا" },
  "{count} people": { pl: "Osoby: {count}", ro: "{count} persoane", de: "{count} Personen", ar: "{count} أشخاص" },
  "{count} renewals": { pl: "Odnowienia: {count}", ro: "{count} reînnoiri", de: "{count} Verlängerungen", ar: "{count} تجديدات" },
  "{count} renewals · {total}": { pl: "Odnowienia: {count} · {total}", ro: "{count} reînnoiri · {total}", de: "{count} Verlängerungen · {total}", ar: "{count} تجديدات · {total}" },
  "{count} renewals · {total} · saved {date}": { pl: "Odnowienia: {count} · {total} · zapisano {date}", ro: "{count} reînnoiri · {total} · salvat {date}", de: "{count} Verlängerungen · {total} · gespeichert {date}", ar: "{count} تجديدات · {total} · حُفظت {date}" },
  "{done} of {total}": { pl: "{done} z {total}", ro: "{done} din {total}", de: "{done} von {total}", ar: "{done} من {total}" },
  "{label}: progress": { pl: "{label}: postęp", ro: "{label}: progres", de: "{label}: Fortschritt", ar: "{label}: التقدم" },
  "{name} deleted": { pl: "Usunięto {name}", ro: "{name} a fost șters", de: "{name} gelöscht", ar: "حُذفت {name}" },
  "{name} is your active cart": { pl: "{name} jest teraz bieżącym koszykiem", ro: "{name} este acum coșul activ", de: "{name} ist jetzt Ihr aktueller Warenkorb", ar: "{name} هي سلتك الحالية" },
  "{n} KB": { pl: "{n} KB", ro: "{n} KB", de: "{n} KB", ar: "{n} كيلوبايت" },
  "{n} bytes": { pl: "{n} B", ro: "{n} octeți", de: "{n} Byte", ar: "{n} بايت" },
  "{progress} — saved as {name}": { pl: "{progress} — zapisano jako {name}", ro: "{progress} — salvat ca {name}", de: "{progress} — gespeichert als {name}", ar: "{progress} — حُفظ باسم {name}" },
  "{size} · {rows} rows": { pl: "{size} · wiersze: {rows}", ro: "{size} · {rows} rânduri", de: "{size} · {rows} Zeilen", ar: "{size} · {rows} صفوف" },
  "{years}-year renewal quoted at {amount}": { pl: "Odnowienie na {years} lata wycenione na {amount}", ro: "Reînnoire pe {years} ani ofertată la {amount}", de: "{years}-jährige Verlängerung angeboten für {amount}", ar: "تجديد لمدة {years} سنوات بسعر {amount}" },
  "Multi-year quote requested": { pl: "Poproszono o ofertę wieloletnią", ro: "Ofertă multianuală solicitată", de: "Mehrjahresangebot angefordert", ar: "طُلب عرض سعر متعدد السنوات" },
  "Multi-year quote ready": { pl: "Oferta wieloletnia gotowa", ro: "Ofertă multianuală pregătită", de: "Mehrjahresangebot liegt vor", ar: "عرض السعر متعدد السنوات جاهز" },
  Accepted: { pl: "Zaakceptowane", ro: "Acceptată", de: "Angenommen", ar: "مقبول" },
  "Auto-renewed": { pl: "Odnowione automatycznie", ro: "Reînnoită automat", de: "Automatisch verlängert", ar: "جُدّد تلقائيًا" },
  "Purchase order": { pl: "Zamówienie zakupu", ro: "Comandă de achiziție", de: "Bestellung", ar: "أمر شراء" },
  "Pay by invoice": { pl: "Płatność na fakturę", ro: "Plata pe factură", de: "Zahlung auf Rechnung", ar: "الدفع بالفاتورة" },
  "PO exemption form": { pl: "Formularz zwolnienia z PO", ro: "Formular de scutire PO", de: "PO-Befreiungsformular", ar: "نموذج إعفاء من أمر الشراء" },
  Assistance: { pl: "Pomoc", ro: "Asistență", de: "Hilfe", ar: "مساعدة" },
  "Multi-year request": { pl: "Prośba o ofertę wieloletnią", ro: "Solicitare multianuală", de: "Mehrjahresanfrage", ar: "طلب متعدد السنوات" },
  "Cancel the order": { pl: "Anulowanie zamówienia", ro: "Anularea comenzii", de: "Bestellung stornieren", ar: "إلغاء الطلب" },
  "Support fees are paid before the support period: a placed renewal order is not cancellable or refundable.": { pl: "Opłaty za wsparcie są płatne przed okresem wsparcia: złożonego zamówienia odnowienia nie można anulować ani zwrócić.", ro: "Taxele de suport se plătesc înaintea perioadei de suport: o comandă de reînnoire plasată nu poate fi anulată sau rambursată.", de: "Supportgebühren werden vor dem Supportzeitraum bezahlt: Eine aufgegebene Verlängerungsbestellung kann weder storniert noch erstattet werden.", ar: "تُدفع رسوم الدعم قبل فترة الدعم: لا يمكن إلغاء طلب التجديد المقدَّم أو استرداده." },
  "Ask to cancel": { pl: "Poproś o anulowanie", ro: "Solicită anularea", de: "Stornierung anfragen", ar: "طلب الإلغاء" },
  "Select {sn}": { pl: "Zaznacz {sn}", ro: "Selectează {sn}", de: "{sn} auswählen", ar: "تحديد {sn}" },
  "Select the renewals to add first": { pl: "Najpierw zaznacz odnowienia do dodania", ro: "Selectați mai întâi reînnoirile de adăugat", de: "Wählen Sie zuerst die Verlängerungen aus", ar: "حدّد التجديدات المراد إضافتها أولًا" },
  "Added {count} renewals to your cart ({total} in it)": { pl: "Dodano odnowienia do koszyka: {count} (razem: {total})", ro: "{count} reînnoiri adăugate în coș ({total} în coș)", de: "{count} Verlängerungen zum Warenkorb hinzugefügt ({total} darin)", ar: "أُضيفت {count} تجديدات إلى سلتك (فيها {total})" },
  "Add selected to cart": { pl: "Dodaj zaznaczone do koszyka", ro: "Adaugă selecția în coș", de: "Auswahl in den Warenkorb", ar: "أضف المحدد إلى السلة" },
  // ---- the graph's enum values (shown through label())
  Finance: { pl: "Finanse", ro: "Financiar", de: "Finanzen", ar: "المالية" },
  Technical: { pl: "Techniczny", ro: "Tehnic", de: "Technik", ar: "تقني" },
  Executive: { pl: "Kierownictwo", ro: "Executiv", de: "Geschäftsleitung", ar: "تنفيذي" },
  Admin: { pl: "Administrator", ro: "Administrator", de: "Administrator", ar: "مسؤول" },
  Invited: { pl: "Zaproszony", ro: "Invitat", de: "Eingeladen", ar: "مدعو" },
  Active: { pl: "Aktywny", ro: "Activ", de: "Aktiv", ar: "نشط" },
  Removed: { pl: "Usunięty", ro: "Eliminat", de: "Entfernt", ar: "محذوف" },
  Succeeded: { pl: "Zrealizowana", ro: "Reușită", de: "Erfolgreich", ar: "ناجحة" },
  Failed: { pl: "Nieudana", ro: "Eșuată", de: "Fehlgeschlagen", ar: "فاشلة" },
  Processing: { pl: "W toku", ro: "În procesare", de: "In Bearbeitung", ar: "قيد المعالجة" },
  Received: { pl: "Otrzymana", ro: "Primită", de: "Eingegangen", ar: "مستلمة" },
  Pending: { pl: "Oczekująca", ro: "În așteptare", de: "Ausstehend", ar: "معلقة" },
  Matched: { pl: "Dopasowana", ro: "Potrivită", de: "Zugeordnet", ar: "مطابقة" },
  "Wire transfer": { pl: "Przelew", ro: "Transfer bancar", de: "Überweisung", ar: "حوالة مصرفية" },
  Check: { pl: "Czek", ro: "Cec", de: "Scheck", ar: "شيك" },
  Other: { pl: "Inna", ro: "Altele", de: "Sonstige", ar: "أخرى" },
  Rebilled: { pl: "Wystawiona ponownie", ro: "Refacturată", de: "Neu berechnet", ar: "أعيدت فوترتها" },
  Cancelled: { pl: "Anulowana", ro: "Anulată", de: "Storniert", ar: "ملغاة" },
  Rejected: { pl: "Odrzucona", ro: "Respinsă", de: "Abgelehnt", ar: "مرفوضة" },
  Overpayment: { pl: "Nadpłata", ro: "Plată în plus", de: "Überzahlung", ar: "دفعة زائدة" },
  Dispute: { pl: "Spór", ro: "Contestație", de: "Beanstandung", ar: "اعتراض" },
  Reversal: { pl: "Storno", ro: "Stornare", de: "Rückbuchung", ar: "عكس" },
  Transfer: { pl: "Przeniesienie", ro: "Transfer", de: "Übertrag", ar: "تحويل" },
  Used: { pl: "Wykorzystana", ro: "Folosit", de: "Verbraucht", ar: "مستخدمة" },
  Accrual: { pl: "Naliczenie", ro: "Acumulare", de: "Gutschrift", ar: "استحقاق" },
  Redemption: { pl: "Wykorzystanie", ro: "Folosire", de: "Einlösung", ar: "استبدال" },
  Expiry: { pl: "Wygaśnięcie", ro: "Expirare", de: "Verfall", ar: "انتهاء" },
  "Billing support": { pl: "Obsługa rozliczeń", ro: "Asistență facturare", de: "Abrechnungssupport", ar: "دعم الفوترة" },
  "Sales rep": { pl: "Przedstawiciel handlowy", ro: "Reprezentant vânzări", de: "Vertriebsmitarbeiter", ar: "مندوب المبيعات" },
  Operator: { pl: "Operator", ro: "Operator", de: "Betreiber", ar: "المشغّل" },
  // ---- the sales rep's work queue
  "Work queue": { pl: "Kolejka zadań", ro: "Coada de lucru", de: "Arbeitsliste", ar: "قائمة العمل" },
  "Assigned renewals": { pl: "Przydzielone odnowienia", ro: "Reînnoiri atribuite", de: "Zugewiesene Verlängerungen", ar: "التجديدات المسندة" },
  "Nothing assigned.": { pl: "Nic nie przydzielono.", ro: "Nimic atribuit.", de: "Nichts zugewiesen.", ar: "لا شيء مُسند." },
  "Multi-year quotes to prepare": { pl: "Oferty wieloletnie do przygotowania", ro: "Oferte multianuale de pregătit", de: "Vorzubereitende Mehrjahresangebote", ar: "عروض متعددة السنوات للإعداد" },
  "No request awaits a quote.": { pl: "Żadna prośba nie czeka na ofertę.", ro: "Nicio cerere nu așteaptă o ofertă.", de: "Keine Anfrage wartet auf ein Angebot.", ar: "لا يوجد طلب بانتظار عرض سعر." },
  "Assistance requests to answer": { pl: "Prośby o pomoc do odpowiedzi", ro: "Cereri de asistență de răspuns", de: "Zu beantwortende Hilfeanfragen", ar: "طلبات المساعدة بانتظار الرد" },
  "No request awaits an answer.": { pl: "Żadna prośba nie czeka na odpowiedź.", ro: "Nicio cerere nu așteaptă un răspuns.", de: "Keine Anfrage wartet auf eine Antwort.", ar: "لا يوجد طلب بانتظار رد." },
  "{email} asked on {date}:": { pl: "{email} zapytał(a) {date}:", ro: "{email} a întrebat pe {date}:", de: "{email} fragte am {date}:", ar: "سأل {email} في {date}:" },
  "Quoted total for the whole term ({currency})": { pl: "Oferowana kwota za cały okres ({currency})", ro: "Total ofertat pentru întreaga perioadă ({currency})", de: "Angebotssumme für die gesamte Laufzeit ({currency})", ar: "الإجمالي المعروض للمدة كاملة ({currency})" },
  "This year's renewal: {amount}": { pl: "Tegoroczne odnowienie: {amount}", ro: "Reînnoirea din acest an: {amount}", de: "Verlängerung dieses Jahres: {amount}", ar: "تجديد هذا العام: {amount}" },
  "Send quote": { pl: "Wyślij ofertę", ro: "Trimite oferta", de: "Angebot senden", ar: "إرسال العرض" },
  Answer: { pl: "Odpowiedź", ro: "Răspuns", de: "Antwort", ar: "الرد" },
  "Send answer": { pl: "Wyślij odpowiedź", ro: "Trimite răspunsul", de: "Antwort senden", ar: "إرسال الرد" },
  "Quote sent for {sn}.": { pl: "Wysłano ofertę dla {sn}.", ro: "Oferta pentru {sn} a fost trimisă.", de: "Angebot für {sn} gesendet.", ar: "تم إرسال العرض لـ {sn}." },
  "Answer sent for {sn}.": { pl: "Wysłano odpowiedź dla {sn}.", ro: "Răspunsul pentru {sn} a fost trimis.", de: "Antwort für {sn} gesendet.", ar: "تم إرسال الرد لـ {sn}." },
  Participant: { pl: "Uczestnik", ro: "Participant", de: "Teilnehmer", ar: "مشارك" },
  Viewer: { pl: "Obserwator", ro: "Vizualizator", de: "Betrachter", ar: "مُشاهد" },
  Requested: { pl: "Złożony", ro: "Solicitată", de: "Beantragt", ar: "مطلوب" },
  "Annual in advance": { pl: "Rocznie z góry", ro: "Anual în avans", de: "Jährlich im Voraus", ar: "سنويًا مقدمًا" },
  "Quarterly in advance": { pl: "Kwartalnie z góry", ro: "Trimestrial în avans", de: "Vierteljährlich im Voraus", ar: "ربع سنوي مقدمًا" },
  "Quarterly in arrears": { pl: "Kwartalnie z dołu", ro: "Trimestrial la final", de: "Vierteljährlich nachträglich", ar: "ربع سنوي مؤخرًا" },
  "Monthly in arrears": { pl: "Miesięcznie z dołu", ro: "Lunar la final", de: "Monatlich nachträglich", ar: "شهريًا مؤخرًا" },
  // ---- billing support's and the operator's parts of the work queue
  "Disputes to resolve": { pl: "Spory do rozstrzygnięcia", ro: "Contestații de soluționat", de: "Zu klärende Beanstandungen", ar: "اعتراضات بانتظار الحل" },
  "No dispute is open.": { pl: "Żaden spór nie jest otwarty.", ro: "Nicio contestație nu este deschisă.", de: "Keine Beanstandung ist offen.", ar: "لا يوجد اعتراض مفتوح." },
  "Dispute {number} on invoice {invoice}": { pl: "Spór {number} dotyczący faktury {invoice}", ro: "Contestația {number} pentru factura {invoice}", de: "Beanstandung {number} zur Rechnung {invoice}", ar: "الاعتراض {number} على الفاتورة {invoice}" },
  Outcome: { pl: "Rozstrzygnięcie", ro: "Rezultat", de: "Ergebnis", ar: "النتيجة" },
  "Reject: keep the invoice": { pl: "Odrzuć: faktura bez zmian", ro: "Respinge: factura rămâne", de: "Ablehnen: Rechnung bleibt", ar: "رفض: تبقى الفاتورة كما هي" },
  "Rebill: a corrected invoice": { pl: "Nowa faktura: skorygowana", ro: "Refacturare: o factură corectată", de: "Neu abrechnen: eine korrigierte Rechnung", ar: "إعادة الفوترة: فاتورة مصححة" },
  "Corrected pre-tax amounts": { pl: "Skorygowane kwoty netto", ro: "Sume corectate fără taxe", de: "Korrigierte Nettobeträge", ar: "المبالغ المصححة قبل الضريبة" },
  "Line {position}: {description} ({currency})": { pl: "Pozycja {position}: {description} ({currency})", ro: "Linia {position}: {description} ({currency})", de: "Position {position}: {description} ({currency})", ar: "البند {position}: {description} ({currency})" },
  "Rebilled as {number}": { pl: "Nowa faktura {number}", ro: "Refacturat ca {number}", de: "Neu abgerechnet als {number}", ar: "أعيدت فوترته بالرقم {number}" },
  "Cancel the invoice": { pl: "Anuluj fakturę", ro: "Anulează factura", de: "Rechnung stornieren", ar: "إلغاء الفاتورة" },
  "Resolution note": { pl: "Uzasadnienie rozstrzygnięcia", ro: "Nota de soluționare", de: "Begründung", ar: "ملاحظة الحل" },
  "Resolve dispute": { pl: "Rozstrzygnij spór", ro: "Soluționează contestația", de: "Beanstandung klären", ar: "حل الاعتراض" },
  "Dispute {number} resolved.": { pl: "Spór {number} rozstrzygnięty.", ro: "Contestația {number} a fost soluționată.", de: "Beanstandung {number} geklärt.", ar: "تم حل الاعتراض {number}." },
  "Wire notices to match": { pl: "Awiza przelewów do dopasowania", ro: "Anunțuri de transfer de potrivit", de: "Zuzuordnende Überweisungsavise", ar: "إشعارات تحويل بانتظار المطابقة" },
  "No wire is awaited.": { pl: "Nie oczekuje się żadnego przelewu.", ro: "Nu se așteaptă niciun transfer.", de: "Keine Überweisung wird erwartet.", ar: "لا يوجد تحويل منتظر." },
  "Wire notice {number}": { pl: "Awizo przelewu {number}", ro: "Anunț de transfer {number}", de: "Überweisungsavis {number}", ar: "إشعار التحويل {number}" },
  "{organisation}: {amount} for {invoices}, expected on {date} ({status}); reference {reference}": { pl: "{organisation}: {amount} za {invoices}, oczekiwano {date} ({status}); tytuł {reference}", ro: "{organisation}: {amount} pentru {invoices}, așteptat pe {date} ({status}); referință {reference}", de: "{organisation}: {amount} für {invoices}, erwartet am {date} ({status}); Referenz {reference}", ar: "{organisation}: {amount} مقابل {invoices}، متوقع في {date} ({status})؛ المرجع {reference}" },
  "Amount received ({currency})": { pl: "Otrzymana kwota ({currency})", ro: "Suma primită ({currency})", de: "Erhaltener Betrag ({currency})", ar: "المبلغ المستلم ({currency})" },
  "Received on": { pl: "Data wpływu", ro: "Primit pe", de: "Eingegangen am", ar: "تاريخ الاستلام" },
  "Bank reference": { pl: "Numer referencyjny banku", ro: "Referința băncii", de: "Bankreferenz", ar: "مرجع البنك" },
  "Record receipt": { pl: "Zarejestruj wpływ", ro: "Înregistrează încasarea", de: "Eingang buchen", ar: "تسجيل الاستلام" },
  "Receipt recorded for {number}.": { pl: "Zarejestrowano wpływ dla {number}.", ro: "Încasarea pentru {number} a fost înregistrată.", de: "Eingang für {number} gebucht.", ar: "تم تسجيل الاستلام لـ {number}." },
  "Unapplied receipts": { pl: "Nierozliczone wpływy", ro: "Încasări nealocate", de: "Nicht zugeordnete Eingänge", ar: "مقبوضات غير مخصصة" },
  "No receipt waits to be applied.": { pl: "Żaden wpływ nie czeka na rozliczenie.", ro: "Nicio încasare nu așteaptă alocarea.", de: "Kein Eingang wartet auf Zuordnung.", ar: "لا توجد مقبوضات بانتظار التخصيص." },
  "Declined card payments": { pl: "Odrzucone płatności kartą", ro: "Plăți cu cardul refuzate", de: "Abgelehnte Kartenzahlungen", ar: "مدفوعات بطاقة مرفوضة" },
  "No card payment was declined.": { pl: "Żadna płatność kartą nie została odrzucona.", ro: "Nicio plată cu cardul nu a fost refuzată.", de: "Keine Kartenzahlung wurde abgelehnt.", ar: "لم تُرفض أي دفعة بالبطاقة." },
  "Overdue invoices by age": { pl: "Zaległe faktury według wieku", ro: "Facturi restante după vechime", de: "Überfällige Rechnungen nach Alter", ar: "الفواتير المتأخرة حسب المدة" },
  "{from}+ days": { pl: "{from}+ dni", ro: "{from}+ zile", de: "{from}+ Tage", ar: "{from}+ يوم" },
  "{from}–{to} days": { pl: "{from}–{to} dni", ro: "{from}–{to} zile", de: "{from}–{to} Tage", ar: "{from}–{to} يوم" },
  "No invoice is overdue.": { pl: "Żadna faktura nie jest zaległa.", ro: "Nicio factură nu este restantă.", de: "Keine Rechnung ist überfällig.", ar: "لا توجد فاتورة متأخرة." },
  "Billing dashboard share requests": { pl: "Prośby o udostępnienie pulpitu rozliczeń", ro: "Cereri de partajare a tabloului de facturare", de: "Anfragen zur Freigabe der Abrechnungsübersicht", ar: "طلبات مشاركة لوحة الفوترة" },
  "{email} for {organisation}": { pl: "{email} dla {organisation}", ro: "{email} pentru {organisation}", de: "{email} für {organisation}", ar: "{email} لصالح {organisation}" },
  "Share with {emails}, asked on {date}:": { pl: "Udostępnić {emails}, prośba z {date}:", ro: "Partajare cu {emails}, cerută pe {date}:", de: "Freigabe für {emails}, angefragt am {date}:", ar: "المشاركة مع {emails}، طُلبت في {date}:" },
  "Why it is declined": { pl: "Powód odmowy", ro: "Motivul refuzului", de: "Grund der Ablehnung", ar: "سبب الرفض" },
  Grant: { pl: "Udostępnij", ro: "Aprobă", de: "Gewähren", ar: "منح" },
  Decline: { pl: "Odmów", ro: "Refuză", de: "Ablehnen", ar: "رفض" },
  "Shared as {email} asked.": { pl: "Udostępniono zgodnie z prośbą {email}.", ro: "Partajat cum a cerut {email}.", de: "Freigegeben, wie {email} angefragt hat.", ar: "تمت المشاركة كما طلب {email}." },
  "Declined; {email} is told why.": { pl: "Odmówiono; {email} otrzyma powód.", ro: "Refuzat; {email} află motivul.", de: "Abgelehnt; {email} erfährt den Grund.", ar: "تم الرفض؛ سيُبلَّغ {email} بالسبب." },
  Disputes: { pl: "Spory", ro: "Contestații", de: "Beanstandungen", ar: "الاعتراضات" },
  Organisations: { pl: "Organizacje", ro: "Organizații", de: "Organisationen", ar: "المؤسسات" },
  Key: { pl: "Klucz", ro: "Cheie", de: "Schlüssel", ar: "المفتاح" },
  "Last activity": { pl: "Ostatnia aktywność", ro: "Ultima activitate", de: "Letzte Aktivität", ar: "آخر نشاط" },
  "No organisation.": { pl: "Brak organizacji.", ro: "Nicio organizație.", de: "Keine Organisation.", ar: "لا توجد مؤسسة." },
  "Plugins not loaded": { pl: "Niezaładowane wtyczki", ro: "Module neîncărcate", de: "Nicht geladene Plugins", ar: "إضافات لم تُحمَّل" },
  Plugin: { pl: "Wtyczka", ro: "Modul", de: "Plugin", ar: "الإضافة" },
  "Every plugin loaded.": { pl: "Wszystkie wtyczki załadowane.", ro: "Toate modulele s-au încărcat.", de: "Alle Plugins geladen.", ar: "تم تحميل كل الإضافات." },
  "Scheduled jobs": { pl: "Zadania harmonogramu", ro: "Sarcini programate", de: "Geplante Aufgaben", ar: "المهام المجدولة" },
  Job: { pl: "Zadanie", ro: "Sarcină", de: "Aufgabe", ar: "المهمة" },
  "Last run": { pl: "Ostatnie uruchomienie", ro: "Ultima rulare", de: "Letzter Lauf", ar: "آخر تشغيل" },
  Runs: { pl: "Uruchomienia", ro: "Rulări", de: "Läufe", ar: "مرات التشغيل" },
  Failures: { pl: "Błędy", ro: "Eșecuri", de: "Fehlschläge", ar: "الإخفاقات" },
  "No scheduled job.": { pl: "Brak zadań harmonogramu.", ro: "Nicio sarcină programată.", de: "Keine geplante Aufgabe.", ar: "لا توجد مهمة مجدولة." },
  "Email outbox": { pl: "Skrzynka nadawcza e-mail", ro: "E-mailuri de trimis", de: "E-Mail-Postausgang", ar: "صندوق البريد الصادر" },
  To: { pl: "Do", ro: "Către", de: "An", ar: "إلى" },
  Subject: { pl: "Temat", ro: "Subiect", de: "Betreff", ar: "الموضوع" },
  Attempts: { pl: "Próby", ro: "Încercări", de: "Versuche", ar: "المحاولات" },
  "Next attempt": { pl: "Następna próba", ro: "Următoarea încercare", de: "Nächster Versuch", ar: "المحاولة التالية" },
  "No email waits.": { pl: "Żaden e-mail nie czeka.", ro: "Niciun e-mail nu așteaptă.", de: "Keine E-Mail wartet.", ar: "لا توجد رسالة بانتظار الإرسال." },
  "Webhook backlog": { pl: "Zaległe webhooki", ro: "Webhook-uri în așteptare", de: "Webhook-Rückstand", ar: "تراكم الويب هوك" },
  Endpoint: { pl: "Punkt końcowy", ro: "Punct final", de: "Endpunkt", ar: "نقطة النهاية" },
  "No webhook delivery waits.": { pl: "Żadne doręczenie webhooka nie czeka.", ro: "Nicio livrare webhook nu așteaptă.", de: "Keine Webhook-Zustellung wartet.", ar: "لا يوجد تسليم ويب هوك منتظر." },
  Sending: { pl: "Wysyłanie", ro: "Se trimite", de: "Wird gesendet", ar: "جارٍ الإرسال" },
  Sent: { pl: "Wysłano", ro: "Trimis", de: "Gesendet", ar: "مُرسل" },
  Delivered: { pl: "Doręczono", ro: "Livrat", de: "Zugestellt", ar: "تم التسليم" },
};

// The graph's enum values in English words (the words above translate them).
const VALUES = {
  FINANCE: "Finance", TECHNICAL: "Technical", EXECUTIVE: "Executive", ADMIN: "Admin",
  INVITED: "Invited", ACTIVE: "Active", REMOVED: "Removed",
  OVERDUE: "Overdue", OPEN: "Open", CLOSED: "Closed",
  SUCCEEDED: "Succeeded", FAILED: "Failed", PROCESSING: "Processing", RECEIVED: "Received", PENDING: "Pending", MATCHED: "Matched",
  CARD: "Card", WIRE: "Wire transfer", CHECK: "Check", REWARDS: "Rewards", OTHER: "Other",
  REBILLED: "Rebilled", CANCELLED: "Cancelled", REJECTED: "Rejected",
  OVERPAYMENT: "Overpayment", DISPUTE: "Dispute", PAYMENT: "Payment", CREDIT: "Credit", REVERSAL: "Reversal", TRANSFER: "Transfer",
  USED: "Used", EXPIRED: "Expired", ACCRUAL: "Accrual", REDEMPTION: "Redemption", EXPIRY: "Expiry",
  BILLING_SUPPORT: "Billing support", SALES_REP: "Sales rep", OPERATOR: "Operator",
  PARTICIPANT: "Participant", VIEWER: "Viewer", REQUESTED: "Requested",
  ANNUAL_ADVANCE: "Annual in advance", QUARTERLY_ADVANCE: "Quarterly in advance",
  QUARTERLY_ARREARS: "Quarterly in arrears", MONTHLY_ARREARS: "Monthly in arrears",
  // the operator's queue (job outcomes, email and webhook delivery statuses)
  OK: "Succeeded", SENDING: "Sending", SENT: "Sent", DELIVERED: "Delivered",
  // renewals
  MULTI_YEAR_PENDING: "Multi-year quote requested", MULTI_YEAR_QUOTED: "Multi-year quote ready", ACCEPTED: "Accepted", AUTO_RENEWED: "Auto-renewed", HISTORY: "History", FUTURE: "Future", PO: "Purchase order", INVOICE: "Pay by invoice", POEF: "PO exemption form", ASSISTANCE: "Assistance", MULTI_YEAR: "Multi-year request",
};

// extensions.code → what it means to the person (said before the server's message)
const CODES = {
  FORBIDDEN: "You may not do this.",
  NOT_FOUND: "Not found.",
  BAD_USER_INPUT: "Please check what you entered.",
  CONFLICT: "This changed meanwhile; reload and try again.",
  UNAUTHENTICATED: "Your sign-in has ended; sign in again.",
  RATE_LIMITED: "Too many requests; try again in {seconds} s.",
  MODULE_NOT_ENABLED: "Your organisation does not use this module.",
  INTERNAL_SERVER_ERROR: "The server could not do this; try again later.",
};

// extensions.reason → what to do about it, where the code's general meaning would mislead (a wrong
// code is FORBIDDEN, yet the person may well redeem) or where the next step is the same for all
const REASONS = {
  WRONG_REDEMPTION_CODE: "Check the redemption code emailed to you.",
  REDEMPTION_LOCKED: "Redeeming is locked for now.",
  CARD_ONLY: "Another payment method is needed.",
  CARD_NOT_ACCEPTED: "Another payment method is needed.",
  CARD_LIMIT_EXCEEDED: "Another payment method is needed.",
  DOMAIN_MISMATCH: "Only addresses of your organisation's domains.",
};

let current = "en";
const unknown = new Set(); // texts asked for that the dictionary lacks (a test fails on any)

export function setLanguage(locale) {
  current = locale in LANGUAGES ? locale : "en";
}

export function language() {
  return current;
}

/** The text in the current language, its {placeholders} filled from params. */
export function t(text, params) {
  const entry = WORDS[text];
  if (!entry) unknown.add(text);
  const words = (current !== "en" && entry?.[current]) || text;
  if (!params) return words;
  return words.replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

/** An enum value of the graph (a status, a role, a method…) in words; an unknown value as is. */
export function label(value) {
  if (value === null || value === undefined) return "";
  const english = VALUES[value];
  if (!english) {
    unknown.add(String(value));
    return String(value);
  }
  return t(english);
}

/** An error's meaning in the person's words (from extensions.reason, else .code), then the server's message. */
export function explain(error) {
  const ext = error?.extensions || {};
  const lead = REASONS[ext.reason] || CODES[ext.code];
  const seconds = ext.retryAfterSeconds ?? "";
  return lead ? `${t(lead, { seconds })} ${error.message || ""}`.trim() : error?.message || "";
}

/** What to do about an error whose extensions.reason says (shown with it on its field), or "". */
export function hint(error) {
  const what = REASONS[error?.extensions?.reason];
  return what ? t(what) : "";
}

/** For the tests: the dictionary's English texts, what each language lacks, and unknown texts. */
export function audit() {
  const keys = Object.keys(WORDS);
  const missing = {};
  for (const lang of Object.keys(LANGUAGES)) {
    if (lang === "en") continue;
    missing[lang] = keys.filter((k) => !WORDS[k][lang]);
  }
  const extra = keys.flatMap((k) => Object.keys(WORDS[k]).filter((lang) => !(lang in LANGUAGES)).map((lang) => `${k} (${lang})`));
  const placeholders = keys.filter((k) => {
    const want = (k.match(/\{\w+\}/g) || []).sort().join();
    return Object.values(WORDS[k]).some((w) => (w.match(/\{\w+\}/g) || []).sort().join() !== want);
  });
  const valuesUntranslated = Object.values(VALUES).filter((v) => !WORDS[v]);
  const codesUntranslated = [...Object.values(CODES), ...Object.values(REASONS)].filter((v) => !WORDS[v]);
  return {
    keys,
    translations: Object.fromEntries(keys.map((k) => [k, WORDS[k]])),
    missing,
    extra,
    placeholders,
    unknown: [...unknown, ...valuesUntranslated, ...codesUntranslated],
  };
}

/** Elements marked data-t="English words" (the static page) take their words in the language. */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const el of root.querySelectorAll("[data-t-label]")) el.setAttribute("aria-label", t(el.dataset.tLabel));
}
