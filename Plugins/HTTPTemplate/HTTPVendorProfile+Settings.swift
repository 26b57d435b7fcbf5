public import ChannelKit

extension HTTPVendorProfile {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "url", "method", "headers", "body", "body_format", "success", "message_id_path", "code_path", "detail_path",
        "retry_statuses", "retry_codes", "code_reasons", "recipient_pattern", "sign_name", "unsubscribe_suffix",
        "suffix_templates", "mo",
    ]

    /// The keys `mo:` may hold.
    static let replyKeys = ["items_path", "from_path", "text_path", "id_path", "time_path", "answer"]

    /// The keys `mo.answer:` may hold.
    static let answerKeys = ["status", "content_type", "body"]

    /// HTTP statuses retried when `retry_statuses` is not given.
    static let defaultRetryStatuses = [408, 429, 500, 502, 503, 504]

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    /// Reads `settings:` (every key is listed in `Plugins/SMS/README.md`), reporting every problem; `nil` if
    /// there was any. Public so other channels (the call queue's `http` vendor) can reuse the profile.
    public init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
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
        let contentRules = Self.contentRules(settings, issues: issues)
        let replyRules = Self.replyRules(settings, issues: issues)

        var templates: [Template] = []
        if let url { templates.append(url) }
        for header in headers { if case .template(let template) = header.value { templates.append(template) } }
        if method != "GET", let body { templates.append(body) }
        var usedFields: [Template.Field] = []
        for field in templates.flatMap(\.fields) where !usedFields.contains(field) { usedFields.append(field) }
        if usedFields.contains(.signName), !settings.contains("sign_name") {
            issues.error(
                settings.mark,
                "missing required key 'sign_name' in 'settings' (the templates use {{sign_name}})"
            )
        }
        if settings.contains("suffix_templates"), usedFields.contains(.content) {
            issues.warning(
                settings.mark(of: "suffix_templates"),
                "'suffix_templates' is unused: this channel sends text ({{content}}), so the opt-out text is "
                    + "appended to marketing messages instead"
            )
        }

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
        self.contentRules = contentRules
        self.replyRules = replyRules
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
            if isJSON(text) { return .json }
            let mediaType = text.split(separator: ";").first.map { String($0).trimmingSpaces().lowercased() } ?? ""
            if mediaType == "application/x-www-form-urlencoded" { return .form }
            break
        }
        return .raw
    }

    /// `sign_name`, `unsubscribe_suffix` and `suffix_templates`.
    static func contentRules(_ settings: ConfigMap, issues: ConfigIssueCollector) -> ContentRules {
        var rules = ContentRules.none
        if let signName = contentText(settings, "sign_name", issues: issues) {
            if signName.contains(where: { $0 == "【" || $0 == "】" }) {
                settings.error("sign_name", "'sign_name' is the name inside 【】: write it without the brackets")
            } else {
                rules.signName = signName
            }
        }
        rules.unsubscribeSuffix = contentText(settings, "unsubscribe_suffix", issues: issues)
        if let templates = settings.stringList("suffix_templates") {
            if !settings.contains("unsubscribe_suffix") {
                settings.error(
                    "suffix_templates",
                    "'suffix_templates' needs 'unsubscribe_suffix' (the opt-out text those templates carry)"
                )
            }
            rules.suffixTemplates = Set(templates)
        }
        return rules
    }

    /// A setting that becomes part of a message: not a secret, not blank, no control characters, no spaces
    /// around it.
    static func contentText(_ settings: ConfigMap, _ key: String, issues: ConfigIssueCollector) -> String? {
        guard let scalar = settings.scalar(key) else { return nil }
        let text = scalar.text
        if scalar.secret != nil {
            issues.error(scalar.mark, "'\(key)' cannot be a secret reference: it is sent in every message")
        } else if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            issues.error(scalar.mark, "'\(key)' must not contain control characters")
        } else if ContentRules.withoutSpaces(text).isEmpty {
            issues.error(scalar.mark, "'\(key)' must not be blank")
        } else if let first = text.first, let last = text.last,
            ContentRules.isSpace(first) || ContentRules.isSpace(last)
        {
            issues.error(scalar.mark, "'\(key)' must not start or end with a space")
        } else {
            return text
        }
        return nil
    }

    /// `mo:`, or `nil` when absent or wrong (after reporting).
    static func replyRules(_ settings: ConfigMap, issues: ConfigIssueCollector) -> ReplyRules? {
        guard let mo = settings.map("mo", keys: replyKeys) else { return nil }
        let errorsBefore = issues.errorCount
        let itemsPath = path(mo, "items_path")
        let fromPath = path(mo, "from_path", required: true)
        let textPath = path(mo, "text_path", required: true)
        let idPath = path(mo, "id_path")
        let timePath = path(mo, "time_path")
        let answer = mo.map("answer", keys: answerKeys).map { callbackAnswer($0, issues: issues) }
        guard issues.errorCount == errorsBefore, let fromPath, let textPath else { return nil }
        return ReplyRules(
            itemsPath: itemsPath ?? ReplyRules.wholeBody,
            fromPath: fromPath,
            textPath: textPath,
            idPath: idPath,
            timePath: timePath,
            answer: answer ?? ReplyRules.alibabaAnswer
        )
    }

    /// `mo.answer:`. Problems are reported; the caller checks the error count.
    static func callbackAnswer(_ map: ConfigMap, issues: ConfigIssueCollector) -> CallbackAnswer {
        let status = map.int("status", in: 200...299) ?? 200
        let contentType = map.string("content_type") ?? "application/json"
        let isToken = contentType.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if !isToken || contentType.trimmingSpaces().isEmpty {
            map.error("content_type", "'content_type' must be a media type such as application/json")
        }
        let scalar = map.scalar("body", required: true)
        let body = scalar?.text ?? ""
        if let scalar, scalar.secret != nil {
            issues.error(scalar.mark, "'body' in 'answer' cannot be a secret reference: it is sent to the vendor")
        } else if scalar != nil, isJSON(contentType) {
            do {
                _ = try JSONParser.parse(body)
            } catch {
                map.error("body", "'body' in 'answer' is not valid JSON, as its content_type says: \(error)")
            }
        }
        return CallbackAnswer(status: status, contentType: contentType, body: body)
    }

    /// Whether a Content-Type names JSON (`application/json`, `*+json`), parameters ignored.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first.map { String($0).trimmingSpaces().lowercased() } ?? ""
        return mediaType == "application/json" || mediaType.hasSuffix("+json")
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
