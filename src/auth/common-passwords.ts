// Passwords of 12 or more characters that head public lists of leaked passwords (English and
// German). Shorter ones are refused by the length rule anyway. Compared in lower case.
export const COMMON_PASSWORDS = new Set([
  "123456789012", "1234567890123", "12345678901234", "123456789012345", "1234567891011", "123123123123",
  "111111111111", "000000000000", "121212121212", "123321123321", "098765432109", "0987654321qw",
  "qwertyuiop12", "qwertyuiop123", "qwertzuiop12", "qwertzuiop123", "qwertzuiopü", "qwerty123456",
  "qwertz123456", "asdfghjkl123", "asdfghjklö12", "1q2w3e4r5t6y", "1q2w3e4r5t6z", "q1w2e3r4t5y6",
  "1qaz2wsx3edc", "zaq12wsxcde3", "password1234", "password12345", "password123!", "passwort1234",
  "passwort12345", "passwort123!", "passwordpassword", "passwortpasswort", "mypassword123", "meinpasswort1",
  "meinpasswort123", "iloveyou1234", "ichliebedich1", "ichliebedich123", "letmein12345", "welcome12345",
  "willkommen123", "willkommen1234", "hallo1234567", "hallohallo12", "hallo123456789", "sommer2024!!",
  "sommer202412", "winter2024!!", "fruehling2024", "herbst202412", "football1234", "fussball1234",
  "fussball12345", "baseball1234", "superman1234", "batman123456", "starwars1234", "pokemon12345",
  "dragon123456", "monkey123456", "sunshine1234", "princess1234", "michael12345", "jennifer1234",
  "administrator", "administrator1", "admin1234567", "admin123456789", "adminadmin12", "rootroot1234",
  "changeme1234", "changeme12345", "trustno11234", "abc123456789", "abcdefghijkl", "abcd12345678",
  "a1b2c3d4e5f6", "aaaaaa111111", "qwerqwerqwer", "asdfasdfasdf", "zxcvbnm12345", "yxcvbnm12345",
  "deutschland1", "deutschland123", "oesterreich1", "österreich12", "schalke04123", "bayern123456",
  "borussia1234", "rapidwien123", "austria12345", "germany12345", "berlin123456", "muenchen1234",
  "hamburg12345", "wien12345678", "salzburg1234", "kundencenter", "kundencenter1", "konto1234567",
  "internet1234", "computer1234", "hosting12345", "telekom12345", "passwort2024", "passwort2025",
  "passwort2026", "password2024", "password2025", "password2026", "geheim123456", "geheimgeheim",
  "sicherheit12", "sicheres1234", "startstart12", "test12345678", "testtest1234", "testpasswort",
]);
