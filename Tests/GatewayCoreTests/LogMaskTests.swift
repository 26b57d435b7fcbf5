import GatewayCore
import Testing

struct LogMaskTests {
    @Test func phoneNumbersKeepOnlyTheirEnds() {
        #expect(LogMask.address("13800138000") == "138****8000")
        #expect(LogMask.address("+8613800138000") == "+861****8000")
        #expect(LogMask.address("12345") == "****")
    }

    @Test func otherAddressesAndTokensKeepFourAndTwo() {
        #expect(LogMask.address("oAbCdEfGhIjKlMnOpQ") == "oAbC****pQ")
        #expect(LogMask.address("short") == "****")
    }

    @Test func freeTextHasLongDigitRunsMasked() {
        #expect(LogMask.text("invalid number 13800138000 (code 40001)") == "invalid number 138****8000 (code 40001)")
        #expect(LogMask.text("HTTP 503") == "HTTP 503")
    }

    /// Free text is masked whatever surrounds a number: glued to letters, after `+86`, in Chinese text or in
    /// full-width digits. A digit run inside an id is masked too; over-masking is the safe direction.
    @Test func freeTextMasksNumbersWhateverSurroundsThem() {
        #expect(LogMask.text("mobile13800138000") == "mobile138****8000")
        #expect(LogMask.text("+8613800138000 refused") == "+861****8000 refused")
        #expect(LogMask.text("手机号13800138000无效") == "手机号138****8000无效")
        #expect(LogMask.text("号码１３８００１３８０００错误") == "号码138****8000错误")
        #expect(LogMask.text("order 123456 at 2026-12-06") == "order 123456 at 2026-12-06")
    }
}
