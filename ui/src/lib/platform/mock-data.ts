//! Sample data for the mock platform: a taxi service's dispatch office and the vendor's support,
//! in Ukrainian, as the browser preview and the component tests see them.

import type {
  Attachment,
  Message,
  Organization,
  PersonRef,
  Ticket,
  Topic,
  User,
} from '../types/bindings';

export const ORGS: Organization[] = [
  {
    id: '0190a000-0000-7000-8000-000000000001',
    name: 'Таксі «Блискавка», Рівне',
    timezone: 'Europe/Kyiv',
    created_at: '2025-03-01T08:00:00Z',
  },
  {
    id: '0190a000-0000-7000-8000-000000000002',
    name: 'Таксі 838, Львів',
    timezone: 'Europe/Kyiv',
    created_at: '2025-05-12T08:00:00Z',
  },
  {
    id: '0190a000-0000-7000-8000-000000000003',
    name: 'Оптима Таксі, Київ',
    timezone: 'Europe/Kyiv',
    created_at: '2025-06-20T08:00:00Z',
  },
];

export const CUSTOMER: User = {
  id: '0190a000-0000-7000-8000-0000000000c1',
  email: 'dispatch@blyskavka.example',
  name: 'Оксана Мельник',
  role: 'customer',
  organization_id: ORGS[0]!.id,
  locale: 'uk',
};

export const AGENT: User = {
  id: '0190a000-0000-7000-8000-0000000000a1',
  email: 'a.koval@support.example',
  name: 'Андрій Коваль',
  role: 'agent',
  organization_id: null,
  locale: 'uk',
};

export const AGENT2: PersonRef = {
  id: '0190a000-0000-7000-8000-0000000000a2',
  name: 'Ірина Бондар',
  role: 'agent',
};

export const LVIV_DISPATCHER: PersonRef = {
  id: '0190a000-0000-7000-8000-0000000000c2',
  name: 'Петро Гнатюк',
  role: 'customer',
};

export const KYIV_DISPATCHER: PersonRef = {
  id: '0190a000-0000-7000-8000-0000000000c3',
  name: 'Наталія Савчук',
  role: 'customer',
};

export function ref(u: User): PersonRef {
  return { id: u.id, name: u.name, role: u.role };
}

const T = '2026-11-01T00:00:00Z';

function topic(
  id: string,
  position: number,
  urgent: boolean,
  uk: string,
  en: string,
  guk: string,
  gen: string,
): Topic {
  return {
    id,
    position,
    urgent,
    active: true,
    updated_at: T,
    title: { uk, en },
    guidance: { uk: guk, en: gen },
  };
}

export const TOPICS: Topic[] = [
  topic(
    'program-unavailable',
    1,
    true,
    'Програма недоступна',
    'The program is unavailable',
    '• Обробляємо цілодобово, також уночі та у вихідні.\n• Перевірте, чи є інтернет у диспетчерській: чи відкриваються інші сайти.\n• Спробуйте увійти з іншого комп’ютера або з телефона.\n• Напишіть, з якого часу програма не працює і що саме ви бачите: помилку, порожній екран, не приймає пароль.\n• Додайте скриншот помилки.',
    '• Handled around the clock, including nights and weekends.\n• Check that the dispatch office has internet: do other websites open?\n• Try logging in from another computer or from a phone.\n• Tell us since when the program has been down and what you see: an error, a blank screen, the password is rejected.\n• Attach a screenshot of the error.',
  ),
  topic(
    'telephony-down',
    2,
    true,
    'Не працює телефонія',
    'Telephony is not working',
    '• Обробляємо цілодобово, також уночі та у вихідні.\n• Перевірте інтернет у диспетчерській, перезавантажте роутер і АТС (або IP-телефони).\n• Зателефонуйте SIP-провайдеру: чи немає в нього збою і чи поповнений рахунок.\n• Вкажіть номер, який не працює, що саме не проходить (вхідні, вихідні чи всі дзвінки) і час останнього вдалого дзвінка.\n• Якщо на екрані є помилка, додайте скриншот.',
    '• Handled around the clock, including nights and weekends.\n• Check the office internet connection and restart the router and the PBX (or the IP phones).\n• Call your SIP provider: is there an outage on their side, is the account topped up?\n• Give the number that fails, what fails (incoming, outgoing or all calls) and the time of the last successful call.\n• If an error is shown, attach a screenshot.',
  ),
  topic(
    'orders-dispatching',
    3,
    false,
    'Замовлення та розподіл',
    'Orders and dispatching',
    '• Вкажіть номер замовлення, дату і час.\n• Опишіть, що сталося і як мало бути: наприклад, замовлення не вийшло в ефір або дісталося не тому водієві.\n• Якщо помилка повторюється, напишіть покроково, як її відтворити.\n• Додайте скриншот картки замовлення.',
    '• Give the order number, date and time.\n• Describe what happened and what should have happened, e.g. the order never went out to drivers or went to the wrong driver.\n• If it keeps happening, list the steps to reproduce it.\n• Attach a screenshot of the order card.',
  ),
  topic(
    'drivers-app',
    4,
    false,
    'Водії та застосунок водія',
    'Drivers and the driver app',
    '• Вкажіть позивний водія і номер його телефону.\n• Напишіть модель телефона, версію Android чи iOS і версію застосунку водія.\n• Перевірте, чи має водій мобільний інтернет і чи ввімкнена геолокація.\n• Додайте скриншот або відео з екрана телефона водія.',
    '• Give the driver’s call sign and phone number.\n• Tell us the phone model, the Android or iOS version and the driver app version.\n• Check that the driver has mobile data and location turned on.\n• Attach a screenshot or a screen recording from the driver’s phone.',
  ),
  topic(
    'tariffs',
    5,
    false,
    'Тарифи та вартість поїздок',
    'Tariffs and fares',
    '• Якщо вартість порахувалася неправильно, вкажіть номер замовлення і назву тарифу.\n• Напишіть, яку суму ви очікували і яку показала програма.\n• Для нового тарифу чи змін опишіть умови: подача, ціна за кілометр, хвилина очікування, націнки (нічна, святкова, за місто).\n• Додайте скриншот налаштувань тарифу або розрахунку.',
    '• If a fare was calculated wrongly, give the order number and the tariff name.\n• Tell us the amount you expected and the amount the program showed.\n• For a new tariff or a change, describe the terms: pickup fee, price per km, waiting per minute, surcharges (night, holiday, out of town).\n• Attach a screenshot of the tariff settings or of the fare breakdown.',
  ),
  topic(
    'reports',
    6,
    false,
    'Звіти та статистика',
    'Reports and statistics',
    '• Вкажіть назву звіту, період і фільтри, з якими ви його формували.\n• Напишіть, які цифри не сходяться і з чим ви їх звіряєте: каса, дані водіїв, інший звіт.\n• Додайте скриншот звіту або вивантажений файл Excel.',
    '• Give the report name, the period and the filters you used.\n• Tell us which figures do not match and what you compare them with: cash desk, drivers’ data, another report.\n• Attach a screenshot of the report or the exported Excel file.',
  ),
  topic(
    'maps-addresses',
    7,
    false,
    'Карта та адреси',
    'Maps and addresses',
    '• Вкажіть адресу, яку програма не знаходить або ставить не в те місце.\n• Напишіть, як правильно: вулиця, номер будинку, район чи населений пункт.\n• Якщо вулицю перейменували, вкажіть стару і нову назву.\n• Додайте скриншот карти з неправильною точкою.',
    '• Give the address the program cannot find or puts in the wrong place.\n• Tell us what is correct: street, house number, district or village.\n• If the street was renamed, give both the old and the new name.\n• Attach a screenshot of the map with the wrong pin.',
  ),
  topic(
    'other',
    99,
    false,
    'Інше',
    'Other',
    '• Якщо жодна тема не підходить, опишіть питання якомога докладніше.\n• Вкажіть, якої частини програми воно стосується.\n• Додайте скриншоти чи файли, якщо вони допоможуть розібратися.\n• Такі звернення обробляємо в робочий час, з 08:00 до 20:00.',
    '• If no topic fits, describe your question in as much detail as you can.\n• Tell us which part of the program it concerns.\n• Attach screenshots or files if they help.\n• These requests are handled during working hours, 08:00–20:00 Kyiv time.',
  ),
];

export interface SampleTicket {
  ticket: Ticket;
  messages: Message[];
  read: boolean;
}

let seq = 0;
function id(prefix: string): string {
  seq += 1;
  return `0190b${prefix}-0000-7000-8000-${String(seq).padStart(12, '0')}`;
}

function att(filename: string, size: number, media_type: string): Attachment {
  return { id: id('a'), filename, size, media_type, sha256: 'ab'.repeat(32) };
}

function build(
  number: number,
  org: Organization,
  requester: PersonRef,
  topicId: string,
  subject: string,
  status: Ticket['status'],
  assignee: PersonRef | null,
  created: string,
  resolved: string | null,
  convo: { author: PersonRef; body: string; at: string; internal?: boolean; files?: Attachment[] }[],
  read = true,
): SampleTicket {
  const tid = id('t');
  const urgent = TOPICS.find((x) => x.id === topicId)?.urgent ?? false;
  const messages: Message[] = convo.map((m, i) => ({
    id: i === 0 ? tid : id('m'),
    ticket_id: tid,
    author: m.author,
    body: m.body,
    internal: m.internal ?? false,
    channel: 'app',
    created_at: m.at,
    attachments: m.files ?? [],
  }));
  const last = convo[convo.length - 1]?.at ?? created;
  return {
    ticket: {
      id: tid,
      number,
      subject,
      topic_id: topicId,
      urgent,
      status,
      organization_id: org.id,
      organization_name: org.name,
      requester,
      assignee,
      created_at: created,
      updated_at: last,
      resolved_at: resolved,
      last_message_at: last,
      message_count: messages.length,
      incident_id: null,
    },
    messages,
    read,
  };
}

/** Tickets of all three organisations; a customer sees only their own. */
export function sampleTickets(): SampleTicket[] {
  const [rivne, lviv, kyiv] = ORGS as [Organization, Organization, Organization];
  const me = ref(CUSTOMER);
  const koval = ref(AGENT);
  return [
    build(
      1044,
      rivne,
      me,
      'drivers-app',
      'Водій з позивним 512 не бачить замовлень в ефірі',
      'new',
      null,
      '2026-11-24T12:05:00Z',
      null,
      [
        {
          author: me,
          at: '2026-11-24T12:05:00Z',
          body: 'Позивний 512, телефон +380 67 123 45 67. Samsung A52, Android 13, застосунок 4.18.2.\nЗ ранку не бачить жодного замовлення в ефірі, інші водії бачать. Перезавантажував телефон — не допомогло.',
          files: [
            att('екран-водія-512.png', 348_211, 'image/png'),
            att('журнал-застосунку.txt', 18_044, 'text/plain'),
          ],
        },
      ],
    ),
    build(
      1042,
      rivne,
      me,
      'telephony-down',
      'Не проходять вхідні дзвінки на номер 067 000 12 34',
      'in_progress',
      koval,
      '2026-11-24T00:14:00Z',
      null,
      [
        {
          author: me,
          at: '2026-11-24T00:14:00Z',
          body: 'З 02:05 не проходять вхідні на 067 000 12 34, вихідні працюють. Роутер і АТС перезавантажили. Останній вдалий вхідний — 01:58.',
        },
        {
          author: koval,
          at: '2026-11-24T00:21:00Z',
          body: 'Доброї ночі! Бачу, що SIP-транк на цей номер відхиляє реєстрацію. Зараз перевіряю з провайдером, напишу за 15 хвилин.',
        },
        {
          author: koval,
          at: '2026-11-24T00:29:00Z',
          internal: true,
          body: 'Провайдер підтвердив аварію на їхньому боці (заявка 55871). Тримати клієнта в курсі щопівгодини.',
        },
        {
          author: koval,
          at: '2026-11-24T00:36:00Z',
          body: 'У провайдера аварія на лінії, обіцяють відновити до 03:30. Поки що можна переадресувати вхідні на резервний номер — якщо потрібно, налаштуємо.',
        },
      ],
      false,
    ),
    build(
      1038,
      rivne,
      me,
      'orders-dispatching',
      'Замовлення з Здолбунова не виходять в ефір',
      'waiting_for_customer',
      AGENT2,
      '2026-11-21T07:40:00Z',
      null,
      [
        {
          author: me,
          at: '2026-11-21T07:40:00Z',
          body: 'Замовлення з адресами в Здолбунові висять у статусі «Нове» і не йдуть водіям. Номери: 88412, 88415.',
        },
        {
          author: AGENT2,
          at: '2026-11-21T09:02:00Z',
          body: 'Дякуємо! Підкажіть, будь ласка, чи є зараз водії на лінії в районі «Здолбунів» і чи змінювали ви межі районів цього тижня?',
        },
      ],
      false,
    ),
    build(
      1031,
      rivne,
      me,
      'tariffs',
      'Нічна націнка рахується і вдень',
      'resolved',
      koval,
      '2026-11-12T10:15:00Z',
      '2026-11-13T14:40:00Z',
      [
        {
          author: me,
          at: '2026-11-12T10:15:00Z',
          body: 'Тариф «Місто», замовлення 87120 о 11:20 — програма додала нічну націнку 20 %.',
        },
        {
          author: koval,
          at: '2026-11-13T14:40:00Z',
          body: 'Виправили: у тарифі був неправильний часовий пояс для нічного періоду. Перевірте, будь ласка, нові замовлення.',
        },
      ],
    ),
    build(
      1027,
      rivne,
      me,
      'reports',
      'Звіт по водіях за жовтень не сходиться з касою',
      'closed',
      AGENT2,
      '2026-11-03T08:30:00Z',
      '2026-11-05T12:00:00Z',
      [
        {
          author: me,
          at: '2026-11-03T08:30:00Z',
          body: 'У звіті «Водії за період» за жовтень сума на 4 350 грн менша, ніж у касі.',
          files: [att('каса-жовтень.xlsx', 52_480, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')],
        },
        {
          author: AGENT2,
          at: '2026-11-05T12:00:00Z',
          body: 'Різниця — скасовані замовлення з оплатою карткою, вони в окремому звіті. Додали їх у фільтр «Водії за період».',
        },
      ],
    ),
    build(
      1045,
      lviv,
      LVIV_DISPATCHER,
      'program-unavailable',
      'Програма не відкривається, білий екран',
      'new',
      null,
      '2026-11-24T12:40:00Z',
      null,
      [
        {
          author: LVIV_DISPATCHER,
          at: '2026-11-24T12:40:00Z',
          body: 'На всіх трьох комп’ютерах диспетчерської білий екран після входу. Інтернет є, інші сайти відкриваються.',
          files: [att('білий-екран.jpg', 1_204_331, 'image/jpeg')],
        },
      ],
      false,
    ),
    build(
      1040,
      kyiv,
      KYIV_DISPATCHER,
      'maps-addresses',
      'Карта показує стару назву вулиці Лейпцизької',
      'in_progress',
      AGENT2,
      '2026-11-20T13:10:00Z',
      null,
      [
        {
          author: KYIV_DISPATCHER,
          at: '2026-11-20T13:10:00Z',
          body: 'Вулицю Лейпцизьку перейменували на Болбочана, програма шукає лише за старою назвою.',
        },
      ],
    ),
  ];
}

/** A small picture standing in for a screenshot in the preview. */
export const PREVIEW_SVG =
  'data:image/svg+xml;charset=utf-8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200">' +
      '<rect width="320" height="200" fill="#eef2f6"/><rect x="16" y="16" width="288" height="28" rx="4" fill="#c9d6e3"/>' +
      '<rect x="16" y="56" width="180" height="12" rx="3" fill="#d8e0e8"/><rect x="16" y="76" width="240" height="12" rx="3" fill="#d8e0e8"/>' +
      '<rect x="16" y="96" width="140" height="12" rx="3" fill="#d8e0e8"/><circle cx="260" cy="150" r="26" fill="#f3c7c7"/></svg>',
  );
