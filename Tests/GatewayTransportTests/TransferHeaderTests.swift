import ChannelKit
import Testing

@testable import GatewayTransport

/// The transport's header callback, parsed as bytes: what libcurl hands it is one raw line per call.
struct TransferHeaderTests {
    private func transfer() -> Transfer {
        Transfer(
            request: VendorRequest(method: "GET", url: "http://127.0.0.1/", headers: [], body: []),
            timeout: .seconds(1), maxResponseBytes: 1024, completion: { _ in })
    }

    private func feed(_ transfer: Transfer, _ lines: [String]) {
        for line in lines {
            Array(line.utf8).withUnsafeBytes { transfer.receiveHeaderLine($0) }
        }
    }

    @Test func namesAndTrimmedValuesAreKeptAndLinesWithoutAColonSkipped() {
        let transfer = transfer()
        feed(
            transfer,
            [
                "HTTP/1.1 200 OK\r\n", "Content-Type: application/json\r\n", "X-Padded: \t two words \t\r\n",
                "X-Empty:\r\n", "no colon here\r\n", "apns-id:abc:def\n", "\r\n",
            ])
        #expect(
            transfer.responseHeaders == [
                HTTPHeader("Content-Type", "application/json"), HTTPHeader("X-Padded", "two words"),
                HTTPHeader("X-Empty", ""), HTTPHeader("apns-id", "abc:def"),
            ])
    }

    @Test func aStatusLineDropsTheInterimResponsesHeaders() {
        let transfer = transfer()
        feed(
            transfer,
            [
                "HTTP/1.1 100 Continue\r\n", "X-Interim: yes\r\n", "\r\n", "HTTP/1.1 201 Created\r\n",
                "Location: /m/1\r\n", "\r\n",
            ])
        #expect(transfer.responseHeaders == [HTTPHeader("Location", "/m/1")])
    }

    @Test func nonASCIIValuesSurvive() {
        let transfer = transfer()
        feed(transfer, ["X-Note: 短信 ok\r\n"])
        #expect(transfer.responseHeaders == [HTTPHeader("X-Note", "短信 ok")])
    }
}
