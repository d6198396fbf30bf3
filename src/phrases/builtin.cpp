#include "phrases/builtin.h"

#include <utility>

namespace sb::phrases {
namespace {

using Entry = std::pair<int, std::string_view>;

// Slovak (UTF-8).
constexpr Entry kSlovak[] = {
    {100, "Skúšam"},
    {180, "Zvoní"},
    {181, "Hovor sa presmerováva"},
    {182, "Vo fronte"},
    {183, "Priebeh relácie"},
    {199, "Predčasný dialóg ukončený"},
    {200, "OK"},
    {202, "Prijaté"},
    {204, "Bez upozornenia"},
    {300, "Viacero možností"},
    {301, "Trvalo presunuté"},
    {302, "Dočasne presunuté"},
    {305, "Použite proxy"},
    {380, "Alternatívna služba"},
    {400, "Chybná požiadavka"},
    {401, "Neautorizované"},
    {402, "Vyžaduje sa platba"},
    {403, "Zakázané"},
    {404, "Nenájdené"},
    {405, "Metóda nie je povolená"},
    {406, "Neprijateľné"},
    {407, "Vyžaduje sa overenie na proxy"},
    {408, "Vypršal časový limit požiadavky"},
    {410, "Už neexistuje"},
    {412, "Podmienená požiadavka zlyhala"},
    {413, "Požiadavka je príliš veľká"},
    {414, "URI požiadavky je príliš dlhé"},
    {415, "Nepodporovaný typ média"},
    {416, "Nepodporovaná schéma URI"},
    {420, "Chybné rozšírenie"},
    {421, "Vyžaduje sa rozšírenie"},
    {423, "Príliš krátky interval"},
    {480, "Dočasne nedostupný"},
    {481, "Hovor alebo transakcia neexistuje"},
    {482, "Zistená slučka"},
    {483, "Príliš veľa skokov"},
    {484, "Neúplná adresa"},
    {485, "Nejednoznačné"},
    {486, "Obsadené"},
    {487, "Požiadavka ukončená"},
    {488, "Tu neprijateľné"},
    {489, "Chybná udalosť"},
    {491, "Čakajúca požiadavka"},
    {493, "Nerozlúštiteľné"},
    {500, "Interná chyba servera"},
    {501, "Neimplementované"},
    {502, "Chybná brána"},
    {503, "Služba nedostupná"},
    {504, "Vypršal časový limit servera"},
    {505, "Nepodporovaná verzia"},
    {513, "Správa je príliš veľká"},
    {600, "Všade obsadené"},
    {603, "Odmietnuté"},
    {604, "Nikde neexistuje"},
    {606, "Neprijateľné"},
};

// Spanish (UTF-8).
constexpr Entry kSpanish[] = {
    {100, "Intentando"},
    {180, "Sonando"},
    {181, "La llamada se está desviando"},
    {182, "En cola"},
    {183, "Progreso de la sesión"},
    {199, "Diálogo temprano terminado"},
    {200, "OK"},
    {202, "Aceptado"},
    {204, "Sin notificación"},
    {300, "Múltiples opciones"},
    {301, "Movido permanentemente"},
    {302, "Movido temporalmente"},
    {305, "Use el proxy"},
    {380, "Servicio alternativo"},
    {400, "Petición incorrecta"},
    {401, "No autorizado"},
    {402, "Pago requerido"},
    {403, "Prohibido"},
    {404, "No encontrado"},
    {405, "Método no permitido"},
    {406, "No aceptable"},
    {407, "Autenticación de proxy requerida"},
    {408, "Tiempo de espera agotado"},
    {410, "Ya no existe"},
    {412, "Falló la petición condicional"},
    {413, "Petición demasiado grande"},
    {414, "URI de la petición demasiado largo"},
    {415, "Tipo de medio no soportado"},
    {416, "Esquema de URI no soportado"},
    {420, "Extensión incorrecta"},
    {421, "Extensión requerida"},
    {423, "Intervalo demasiado breve"},
    {480, "Temporalmente no disponible"},
    {481, "La llamada o transacción no existe"},
    {482, "Bucle detectado"},
    {483, "Demasiados saltos"},
    {484, "Dirección incompleta"},
    {485, "Ambiguo"},
    {486, "Ocupado"},
    {487, "Petición terminada"},
    {488, "No aceptable aquí"},
    {489, "Evento incorrecto"},
    {491, "Petición pendiente"},
    {493, "Indescifrable"},
    {500, "Error interno del servidor"},
    {501, "No implementado"},
    {502, "Pasarela incorrecta"},
    {503, "Servicio no disponible"},
    {504, "Tiempo de espera del servidor agotado"},
    {505, "Versión no soportada"},
    {513, "Mensaje demasiado grande"},
    {600, "Ocupado en todas partes"},
    {603, "Rechazado"},
    {604, "No existe en ninguna parte"},
    {606, "No aceptable"},
};

template <std::size_t N>
sip::PhraseTable table_of(const Entry (&entries)[N]) {
    sip::PhraseTable t;
    for (const auto& [status, phrase] : entries) {
        t.set(status, std::string(phrase));
    }
    return t;
}

}  // namespace

std::optional<sip::PhraseTable> builtin(std::string_view language) {
    if (language == "en") {
        return sip::PhraseTable{};  // the RFC 3261 phrases
    }
    if (language == "sk") {
        return table_of(kSlovak);
    }
    if (language == "es") {
        return table_of(kSpanish);
    }
    return std::nullopt;
}

std::vector<std::string_view> languages() { return {"en", "sk", "es"}; }

}  // namespace sb::phrases
