internal import CYAML

/// The physical reference: libyaml alone reading every event of the bytes, building nothing.
enum LibYAMLScan {
    /// Parses `bytes` event by event and returns how many events there were (0 on a syntax error).
    static func events(in bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) != 0 else { return 0 }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, base, buffer.count)
            var event = yaml_event_t()
            var count = 0
            while yaml_parser_parse(parser, &event) != 0 {
                count += 1
                let isEnd = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if isEnd { return count }
            }
            return 0
        }
    }
}
