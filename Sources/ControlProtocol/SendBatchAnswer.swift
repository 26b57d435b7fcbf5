/// `send_batch`: one result per message, in request order: its send answer, or the error that refused it.
public typealias SendBatchAnswer = BatchAnswer<SendAnswer>

extension SendAnswer: BatchItemAnswer {}
