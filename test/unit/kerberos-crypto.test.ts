import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../../functions/core/errors.ts';
import { ctsDecrypt, ctsEncrypt } from '../../functions/core/kerberos/crypto/aes-cts.ts';
import { aes128CtsHmacSha196, aes256CtsHmacSha196 } from '../../functions/core/kerberos/crypto/aes-sha1.ts';
import {
  aes128CtsHmacSha256128,
  aes256CtsHmacSha384192,
  kdfForTest,
} from '../../functions/core/kerberos/crypto/aes-sha2.ts';
import { IntegrityError, usageConstant } from '../../functions/core/kerberos/crypto/enctype.ts';
import { enctypeById } from '../../functions/core/kerberos/crypto/enctypes.ts';
import { nfold } from '../../functions/core/kerberos/crypto/nfold.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('n-fold (RFC 3961 appendix A.1)', () => {
  const vectors: [string, number, string][] = [
    ['012345', 64, 'be072631276b1955'],
    ['password', 56, '78a07b6caf85fa'],
    ['Rough Consensus, and Running Code', 64, 'bb6ed30870b7f0e0'],
    ['password', 168, '59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e'],
    ['MASSACHVSETTS INSTITVTE OF TECHNOLOGY', 192, 'db3b0d8f0b061e603282b308a50841229ad798fab9540c1b'],
    ['Q', 168, '518a54a215a8452a518a54a215a8452a518a54a215'],
    ['ba', 168, 'fb25d531ae8974499f52fd92ea9857c4ba24cf297e'],
    ['kerberos', 64, '6b65726265726f73'],
    ['kerberos', 128, '6b65726265726f737b9b5b2b93132b93'],
    ['kerberos', 168, '8372c236344e5f1550cd0747e15d62ca7a5a3bcea4'],
    ['kerberos', 256, '6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4'],
  ];
  for (const [input, bits, expected] of vectors) {
    it(`${bits}-fold("${input}")`, () => {
      assert.equal(nfold(Buffer.from(input), bits / 8).toString('hex'), expected);
    });
  }
});

describe('AES-CTS (RFC 3962 appendix B, key "chicken teriyaki", zero IV)', () => {
  const key = Buffer.from('chicken teriyaki');
  const text = "I would like the General Gau's Chicken, please, and wonton soup.";
  const vectors: [number, string][] = [
    [17, 'c6353568f2bf8cb4d8a580362da7ff7f97'],
    [31, 'fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5'],
    [32, '39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584'],
    [47, '97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5'],
    [48, '97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8'],
    [
      64,
      '97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8',
    ],
  ];
  for (const [length, expected] of vectors) {
    it(`encrypts and decrypts ${length} bytes`, () => {
      const plaintext = Buffer.from(text.slice(0, length));
      const ciphertext = ctsEncrypt(key, plaintext);
      assert.equal(ciphertext.toString('hex'), expected);
      assert.deepEqual(ctsDecrypt(key, ciphertext), plaintext);
    });
  }
});

describe('aes-cts-hmac-sha1-96 string-to-key (RFC 3962 appendix B)', () => {
  const iterations = (n: number) => hex(n.toString(16).padStart(8, '0'));
  const vectors: { password: string; salt: Buffer; iterations: number; key128: string; key256: string }[] = [
    {
      password: 'password',
      salt: Buffer.from('ATHENA.MIT.EDUraeburn'),
      iterations: 1,
      key128: '42263c6e89f4fc28b8df68ee09799f15',
      key256: 'fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161',
    },
    {
      password: 'password',
      salt: Buffer.from('ATHENA.MIT.EDUraeburn'),
      iterations: 2,
      key128: 'c651bf29e2300ac27fa469d693bdda13',
      key256: 'a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff',
    },
    {
      password: 'password',
      salt: Buffer.from('ATHENA.MIT.EDUraeburn'),
      iterations: 1200,
      key128: '4c01cd46d632d01e6dbe230a01ed642a',
      key256: '55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a',
    },
    {
      password: 'password',
      salt: hex('1234567878563412'),
      iterations: 5,
      key128: 'e9b23d52273747dd5c35cb55be619d8e',
      key256: '97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31',
    },
    {
      password: 'X'.repeat(64),
      salt: Buffer.from('pass phrase equals block size'),
      iterations: 1200,
      key128: '59d1bb789a828b1aa54ef9c2883f69ed',
      key256: '89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34',
    },
  ];
  for (const v of vectors) {
    it(`derives the keys for ${v.password.slice(0, 10)}… with ${v.iterations} iterations`, () => {
      const params = iterations(v.iterations);
      assert.equal(aes128CtsHmacSha196.stringToKey(v.password, v.salt, params).toString('hex'), v.key128);
      assert.equal(aes256CtsHmacSha196.stringToKey(v.password, v.salt, params).toString('hex'), v.key256);
    });
  }
});

describe('aes-cts-hmac-sha1-96 encryption', () => {
  for (const enctype of [aes128CtsHmacSha196, aes256CtsHmacSha196]) {
    it(`${enctype.name} decrypts what it encrypted, and only with the same key usage`, () => {
      const key = Buffer.alloc(enctype.keyBytes, 7);
      for (const length of [0, 1, 15, 16, 17, 100]) {
        const plaintext = Buffer.alloc(length, 0x41);
        const sealed = enctype.encrypt(key, 11, plaintext);
        assert.equal(sealed.length, 16 + length + 12);
        assert.deepEqual(enctype.decrypt(key, 11, sealed), plaintext);
        assert.throws(() => enctype.decrypt(key, 2, sealed), IntegrityError);
      }
    });

    it(`${enctype.name} refuses a ciphertext with one bit flipped`, () => {
      const key = Buffer.alloc(enctype.keyBytes, 9);
      const sealed = enctype.encrypt(key, 2, Buffer.from('an encrypted ticket part'));
      sealed[20] = (sealed[20] ?? 0) ^ 1;
      assert.throws(() => enctype.decrypt(key, 2, sealed), IntegrityError);
    });
  }
});

describe('aes-cts-hmac-sha2 (RFC 8009 appendix A)', () => {
  const base128 = hex('3705D96080C17728A0E800EAB6E0D23C');
  const base256 = hex('6D404D37FAF79F9DF0D33568D320669800EB4836472EA8A026D16B7182460C52');

  it('derives keys from passwords', () => {
    const salt = Buffer.concat([
      hex('10DF9DD783E5BC8ACEA1730E74355F61'),
      Buffer.from('ATHENA.MIT.EDUraeburn'),
    ]);
    assert.equal(
      aes128CtsHmacSha256128.stringToKey('password', salt).toString('hex'),
      '089bca48b105ea6ea77ca5d2f39dc5e7',
    );
    assert.equal(
      aes256CtsHmacSha384192.stringToKey('password', salt).toString('hex'),
      '45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467',
    );
  });

  it('derives Kc, Ke and Ki for usage 2', () => {
    const derive = (hash: 'sha256' | 'sha384', key: Buffer, purpose: 0x99 | 0xaa | 0x55, bits: number) =>
      kdfForTest(hash, key, usageConstant(2, purpose), bits).toString('hex');
    assert.equal(derive('sha256', base128, 0x99, 128), 'b31a018a48f54776f403e9a396325dc3');
    assert.equal(derive('sha256', base128, 0xaa, 128), '9b197dd1e8c5609d6e67c3e37c62c72e');
    assert.equal(derive('sha256', base128, 0x55, 128), '9fda0e56ab2d85e1569a688696c26a6c');
    assert.equal(derive('sha384', base256, 0x99, 192), 'ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d');
    assert.equal(
      derive('sha384', base256, 0xaa, 256),
      '56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49',
    );
    assert.equal(derive('sha384', base256, 0x55, 192), '69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f');
  });

  const block = '000102030405060708090A0B0C0D0E0F';
  const encryptions: [typeof aes128CtsHmacSha256128, Buffer, string, string, string][] = [
    [
      aes128CtsHmacSha256128,
      base128,
      '7E5895EAF2672435BAD817F545A37148',
      '',
      'EF85FB890BB8472F4DAB20394DCA781DAD877EDA39D50C870C0D5A0A8E48C718',
    ],
    [
      aes128CtsHmacSha256128,
      base128,
      '7BCA285E2FD4130FB55B1A5C83BC5B24',
      '000102030405',
      '84D7F30754ED987BAB0BF3506BEB09CFB55402CEF7E6877CE99E247E52D16ED4421DFDF8976C',
    ],
    [
      aes128CtsHmacSha256128,
      base128,
      '56AB21713FF62C0A1457200F6FA9948F',
      block,
      '3517D640F50DDC8AD3628722B3569D2AE07493FA8263254080EA65C1008E8FC295FB4852E7D83E1E7C48C37EEBE6B0D3',
    ],
    [
      aes128CtsHmacSha256128,
      base128,
      'A7A4E29A4728CE10664FB64E49AD3FAC',
      `${block}1011121314`,
      '720F73B18D9859CD6CCB4346115CD336C70F58EDC0C4437C5573544C31C813BCE1E6D072C186B39A413C2F92CA9B8334A287FFCBFC',
    ],
    [
      aes256CtsHmacSha384192,
      base256,
      'F764E9FA15C276478B2C7D0C4E5F58E4',
      '',
      '41F53FA5BFE7026D91FAF9BE959195A058707273A96A40F0A01960621AC612748B9BBFBE7EB4CE3C',
    ],
    [
      aes256CtsHmacSha384192,
      base256,
      'B80D3251C1F6471494256FFE712D0B9A',
      '000102030405',
      '4ED7B37C2BCAC8F74F23C1CF07E62BC7B75FB3F637B9F559C7F664F69EAB7B6092237526EA0D1F61CB20D69D10F2',
    ],
    [
      aes256CtsHmacSha384192,
      base256,
      '53BF8A0D105265D4E276428624CE5E63',
      block,
      'BC47FFEC7998EB91E8115CF8D19DAC4BBBE2E163E87DD37F49BECA92027764F68CF51F14D798C2273F35DF574D1F932E40C4FF255B36A266',
    ],
    [
      aes256CtsHmacSha384192,
      base256,
      '763E65367E864F02F55153C7E3B58AF1',
      `${block}1011121314`,
      '40013E2DF58E8751957D2878BCD2D6FE101CCFD556CB1EAE79DB3C3EE86429F2B2A602AC86FEF6ECB647D6295FAE077A1FEB517508D2C16B4192E01F62',
    ],
  ];
  for (const [enctype, key, confounder, plaintext, expected] of encryptions) {
    it(`${enctype.name} encrypts ${plaintext.length / 2} bytes as the RFC shows, and decrypts it`, () => {
      const sealed = enctype.encrypt(key, 2, hex(plaintext), hex(confounder));
      assert.equal(sealed.toString('hex'), expected.toLowerCase());
      assert.deepEqual(enctype.decrypt(key, 2, sealed), hex(plaintext));
      assert.throws(() => enctype.decrypt(key, 3, sealed), IntegrityError);
    });
  }
});

describe('encryption types', () => {
  it('speaks the four AES types', () => {
    for (const id of [17, 18, 19, 20]) assert.equal(enctypeById(id).id, id);
  });

  it('refuses RC4 and DES by name, and anything unknown', () => {
    for (const [id, name] of [
      [23, 'rc4-hmac'],
      [3, 'des-cbc-md5'],
      [16, 'des3-cbc-sha1'],
      [99, 'encryption type 99'],
    ] as const) {
      assert.throws(
        () => enctypeById(id),
        (err: unknown) =>
          isAppError(err) && err.code === 'kerberos_unsupported_etype' && err.message.includes(name),
      );
    }
  });
});
