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
}
