-- wrk script for ./bench: POST the body gatewayd's `http` SMS profile sends, to measure the vendor ceiling.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"to":"13800138000","content":"Your code is 123456","template":"otp",'
    .. '"params":{"code":"123456"},"ref":"m_bench"}'
