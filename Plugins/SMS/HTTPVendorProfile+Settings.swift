import ChannelKit

extension HTTPVendorProfile {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "url", "method", "headers", "body", "body_format", "success", "message_id_path", "code_path", "detail_path",
        "retry_statuses", "retry_codes", "code_reasons", "recipient_pattern",
    ]

    /// HTTP statuses retried when `retry_statuses` is not given.
    static let defaultRetryStatuses = [408, 429, 500, 502, 503, 504]

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        // An absent `settings:` reads as an empty mapping, so each missing required key is named.
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }

        let method = settings.choice("method", ["POST", "GET", "PUT"]) ?? "POST"
        let url = Self.template(settings, "url", required: true, issues: issues)
        if let url, !url.leadingLiteral.hasPrefix("http://"), !url.leadingLiteral.hasPrefix("https://") {
            settings.error("url", "'url' must start with http:// or https:// (placeholders may follow the host)")
        }
        let headers = Self.headers(settings, issues: issues)

        let body = Self.template(settings, "body", issues: issues)
        if method == "GET", settings.contains("body") {
            settings.error("body", "a GET request takes no 'body'; use placeholders in 'url'")
        } else if method != "GET", !settings.contains("body") {
            issues.error(settings.mark, "missing required key 'body' in 'settings' (needed for \(method))")
        }
        let bodyFormat =
            settings.choice("body_format", BodyFormat.allCases.map(\.rawValue)).flatMap(BodyFormat.init(rawValue:))
            ?? Self.inferredFormat(headers)
        if let body, bodyFormat == .json {
            // Filled with `0`, a JSON body must parse: catches a stray comma or quote at load, not at send.
            let sample = body.render(.json) { _ in "0" }
            do {
                _ = try JSONParser.parse(sample)
            } catch {
                settings.error("body", "'body' is not valid JSON with its placeholders filled in: \(error)")
            }
        }

        let success = settings.map("success", keys: ["json_path", "equals"], required: true)
        let successPath = success.flatMap { Self.path($0, "json_path", required: true) }
        let successEquals = success?.string("equals", required: true)
        let messageIDPath = Self.path(settings, "message_id_path")
        let codePath = Self.path(settings, "code_path")
        let detailPath = Self.path(settings, "detail_path")

        let retryStatuses = settings.intList("retry_statuses", in: 100...599) ?? Self.defaultRetryStatuses
        let retryCodes = settings.stringList("retry_codes") ?? []
        let codeReasons = Self.codeReasons(settings, issues: issues)
        let recipientPattern =
            settings.choice("recipient_pattern", RecipientPattern.allCases.map(\.rawValue))
            .flatMap(RecipientPattern.init(rawValue:)) ?? .e164OrCN

        guard issues.errorCount == errorsBefore, let url, let successPath, let successEquals else { return nil }
        self.method = method
        self.url = url
        self.headers = headers
        self.body = method == "GET" ? nil : body
        self.bodyFormat = bodyFormat
        self.successPath = successPath
        self.successEquals = successEquals
        self.messageIDPath = messageIDPath
        self.codePath = codePath ?? successPath
        self.detailPath = detailPath
        self.retryStatuses = Set(retryStatuses)
        self.retryCodes = Set(retryCodes)
        self.codeReasons = codeReasons
        self.recipientPattern = recipientPattern

        var usedFields: [Template.Field] = []
        var templates = [url]
        for header in headers { if case .template(let template) = header.value { templates.append(template) } }
        if let body = self.body { templates.append(body) }
        for field in templates.flatMap(\.fields) where !usedFields.contains(field) { usedFields.append(field) }
        self.usedFields = usedFields
    }

    /// A template setting. Secrets are refused here: they belong in headers, where they stay wrapped.
    static func template(
        _ settings: ConfigMap,
        _ key: String,
        required: Bool = false,
        issues: ConfigIssueCollector
    ) -> Template? {
        guard let scalar = settings.scalar(key, required: required) else { return nil }
        guard scalar.secret == nil else {
            issues.error(scalar.mark, "'\(key)' cannot be a secret reference; put credentials in 'headers'")
            return nil
        }
        return Template(scalar.text, key: key, mark: scalar.mark, issues: issues)
    }

    /// Headers that carry credentials: an inline value there leaves a secret in the config file.
    static let credentialHeaders: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "x-access-token",
    ]

    /// `headers:`, in file order: secret references stay secrets, other values are templates.
    static func headers(_ settings: ConfigMap, issues: ConfigIssueCollector) -> [Header] {
        var headers: [Header] = []
        for (name, scalar) in settings.scalarMap("headers") ?? [] {
            let isToken = !name.isEmpty && name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
            guard isToken else {
                issues.error(settings.mark(of: "headers"), "invalid header name '\(name)' in 'headers'")
                continue
            }
            if let secret = scalar.secret {
                headers.append(Header(name: name, value: .secret(secret)))
            } else if let template = Template(scalar.text, key: "headers.\(name)", mark: scalar.mark, issues: issues) {
                if credentialHeaders.contains(name.lowercased()) {
                    issues.warning(
                        scalar.mark,
                        "header '\(name)' holds a credential written inline; use credential:NAME, env:NAME or file:PATH"
                    )
                }
                headers.append(Header(name: name, value: .template(template)))
            }
        }
        return headers
    }

    /// The body format a literal Content-Type header implies; raw when there is none or it is another type.
    static func inferredFormat(_ headers: [Header]) -> BodyFormat {
        for header in headers where header.name.lowercased() == "content-type" {
            guard case .template(let template) = header.value, let text = template.constantText else { break }
            let mediaType = text.split(separator: ";").first.map { String($0).trimmingSpaces().lowercased() } ?? ""
            if mediaType == "application/json" || mediaType.hasSuffix("+json") { return .json }
            if mediaType == "application/x-www-form-urlencoded" { return .form }
            break
        }
        return .raw
    }

    /// A JSON path setting.
    static func path(_ map: ConfigMap, _ key: String, required: Bool = false) -> JSONPath? {
        guard let text = map.string(key, required: required) else { return nil }
        guard let path = JSONPath(text) else {
            map.error(key, "invalid JSON path '\(text)' for '\(key)'; expected e.g. $.code or $.data[0].id")
            return nil
        }
        return path
    }

    /// `code_reasons:`: vendor code → reason category name.
    static func codeReasons(_ settings: ConfigMap, issues: ConfigIssueCollector) -> [String: ReasonCategory] {
        var reasons: [String: ReasonCategory] = [:]
        for (code, scalar) in settings.scalarMap("code_reasons") ?? [] {
            guard let category = ReasonCategory(name: scalar.text) else {
                issues.error(
                    scalar.mark,
                    "unknown reason category '\(scalar.text)' for code '\(code)'; expected one of: "
                        + ReasonCategory.all.map(\.name).joined(separator: ", ")
                )
                continue
            }
            reasons[code] = category
        }
        return reasons
    }
}
