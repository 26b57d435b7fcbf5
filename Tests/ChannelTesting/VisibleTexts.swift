public import ChannelKit

/// Every text an operator or a log could see for an adapter: its description, its debug description and `dump`.
public func visibleTexts(of adapter: any ChannelAdapter) -> [String] {
    var dumped = ""
    dump(adapter, to: &dumped)
    return [String(describing: adapter), String(reflecting: adapter), dumped]
}
