/// Capability: an instance may have a template of its own (Alibaba SMS `template_code`, Tencent SMS `template_id`,
/// Alibaba voice `tts_code`) for messages that name neither `template` nor `content`.
///
/// The core accepts such sends when ``hasDefaultTemplate`` is `true` (instances without this capability refuse
/// them), and ``ChannelAdapter/check(_:)`` still has the last word.
public protocol DefaultTemplateProviding: ChannelAdapter {
    /// Whether this instance's settings name a default template.
    var hasDefaultTemplate: Bool { get }
}
