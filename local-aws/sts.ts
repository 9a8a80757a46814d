/** AWS STS (awsQuery protocol): GetCallerIdentity with the fixed local account. */
import { ACCOUNT_ID, escapeXml, type LocalResponse, requestId, xml } from './http.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function stsError(status: number, code: string, message: string): LocalResponse {
  return xml(
    status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
  );
}

export function handleSts(params: URLSearchParams): LocalResponse {
  const action = params.get('Action');
  if (action !== 'GetCallerIdentity') {
    return stsError(
      400,
      'InvalidAction',
      `Could not find operation ${action ?? ''} (only GetCallerIdentity is emulated)`,
    );
  }
  return xml(
    200,
    `<GetCallerIdentityResponse xmlns="${XMLNS}"><GetCallerIdentityResult>` +
      `<Arn>arn:aws:iam::${ACCOUNT_ID}:user/local-aws</Arn><UserId>AIDALOCALAWS000000000</UserId>` +
      `<Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult>` +
      `<ResponseMetadata><RequestId>${escapeXml(requestId())}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
  );
}
